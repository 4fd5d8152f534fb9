/*
 * compat.h — the first include of every .c file in mamori.
 *
 * It pulls in the handful of standard headers every file uses and defines
 * the few portability macros the project allows (attribute wrappers, array
 * size). It holds no state and no functions. GNU extensions are allowed here
 * and nowhere else.
 */
#ifndef MM_COMPAT_H
#define MM_COMPAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <limits.h>
#include <inttypes.h>

#define MM_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MM_MIN(a, b) ((a) < (b) ? (a) : (b))
#define MM_MAX(a, b) ((a) > (b) ? (a) : (b))

#if defined(__GNUC__) || defined(__clang__)
#define MM_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define MM_UNUSED __attribute__((unused))
#define MM_LIKELY(x) __builtin_expect(!!(x), 1)
#define MM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define MM_FALLTHROUGH __attribute__((fallthrough))
#define MM_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define MM_PRINTF(fmt, args)
#define MM_UNUSED
#define MM_LIKELY(x) (x)
#define MM_UNLIKELY(x) (x)
#define MM_FALLTHROUGH
#define MM_WARN_UNUSED
#endif

#endif
