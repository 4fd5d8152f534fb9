/*
 * time.h — timestamps. mamori keeps time as int64 microseconds since the
 * Unix epoch (UTC) everywhere.
 */
#ifndef MM_TIME_H
#define MM_TIME_H

#include "core/error.h"

int64_t mm_now_us(void);
/* Monotonic clock, for rates and timeouts. */
int64_t mm_monotonic_us(void);
/* "2017-05-12T07:03:31.123456Z"; out needs MM_TIME_STR bytes. */
#define MM_TIME_STR 32
void mm_time_format(int64_t us, char out[MM_TIME_STR]);
/* Parses RFC 3339 ("2017-05-12T07:03:31Z", fraction and offset optional,
 * "+09:00" or "+0900"; no offset means UTC), "2017-05-12", "2017-05-12
 * 07:03:31", "now", or a span back from now ("90s", "15m", "24h", "7d",
 * "2w"). Returns 0 or MM_EINVAL (bad syntax, out-of-range field). */
int mm_time_parse(const char *s, int64_t now_us, int64_t *out_us);
/* Windows FILETIME (100 ns since 1601) to Unix microseconds; 0 (unset)
 * gives 0, mamori's "unknown time". */
int64_t mm_time_from_filetime(uint64_t ft);

#endif
