/*
 * error.h — the one error contract of mamori (after libuv's UV_ERRNO_MAP).
 *
 * Every fallible function returns int: 0 on success or a negative MM_E*
 * code. The table below generates both the enum and mm_strerror(), so a code
 * and its text can never drift apart. Library code never prints and never
 * exits; where a user must act (a rule file, a corrupt chunk), the function
 * also fills a struct mm_diag: the file, line or byte offset, and a reason.
 *
 * Threading: everything here is pure or writes only the caller's struct.
 */
#ifndef MM_ERROR_H
#define MM_ERROR_H

#define MM_ERRNO_MAP(X)                                                      \
	X(ENOMEM, -1, "out of memory")                                         \
	X(EINVAL, -2, "invalid argument")                                      \
	X(EIO, -3, "input/output error")                                       \
	X(ENOENT, -4, "no such file or directory")                             \
	X(EPERM, -5, "permission denied")                                      \
	X(ETRUNC, -6, "input is truncated")                                    \
	X(ECORRUPT, -7, "input is corrupt")                                    \
	X(ELIMIT, -8, "a configured limit was reached")                        \
	X(EUNSUPPORTED, -9, "unsupported input or feature")                    \
	X(EAGAIN, -10, "need more input")                                      \
	X(ETIMEDOUT, -11, "timed out")                                         \
	X(EDEP, -12, "a library mamori depends on failed")                     \
	X(EEXIST, -13, "already exists")                                       \
	X(EINTR, -14, "interrupted")                                           \
	X(ESYNTAX, -15, "syntax error")                                        \
	X(ENOTFOUND, -16, "not found")                                         \
	X(ESTATE, -17, "operation not valid in this state")

enum mm_error {
#define MM_ERR_ENUM(name, code, text) MM_##name = (code),
	MM_ERRNO_MAP(MM_ERR_ENUM)
#undef MM_ERR_ENUM
	MM_OK = 0
};

/* Text for a code; never NULL (unknown codes give "unknown error"). */
const char *mm_strerror(int err);

/* Maps a positive errno value to the closest MM_E* code. */
int mm_from_errno(int errnum);

/*
 * A diagnostic a user can act on. All fields are optional: file may be
 * empty, line and offset are -1 when unknown. Fixed-size so that it can live
 * on the stack and be filled from any thread.
 */
struct mm_diag {
	char file[512];
	long line;
	long long offset;
	char reason[512];
};

void mm_diag_init(struct mm_diag *d);
/* Fills d (if not NULL) and returns err, so a caller can write
 * `return mm_diag_set(d, MM_ESYNTAX, path, line, -1, "...")`. */
int mm_diag_set(struct mm_diag *d, int err, const char *file, long line,
		long long offset, const char *fmt, ...) MM_PRINTF(6, 7);

#endif
