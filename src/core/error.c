/*
 * error.c — mm_strerror() and diagnostics, generated from MM_ERRNO_MAP.
 */
#include "core/compat.h"
#include "core/error.h"

#include <errno.h>

const char *mm_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
#define MM_ERR_CASE(name, code, text) \
	case code:                    \
		return text;
		MM_ERRNO_MAP(MM_ERR_CASE)
#undef MM_ERR_CASE
	default:
		return "unknown error";
	}
}

int mm_from_errno(int errnum)
{
	switch (errnum) {
	case 0:
		return 0;
	case ENOMEM:
		return MM_ENOMEM;
	case ENOENT:
	case ENOTDIR:
		return MM_ENOENT;
	case EACCES:
	case EPERM:
		return MM_EPERM;
	case EINVAL:
		return MM_EINVAL;
	case EEXIST:
		return MM_EEXIST;
	case EINTR:
		return MM_EINTR;
	case EAGAIN:
		return MM_EAGAIN;
	case ETIMEDOUT:
		return MM_ETIMEDOUT;
	case EFBIG:
	case EMFILE:
	case ENFILE:
		return MM_ELIMIT;
	default:
		return MM_EIO;
	}
}

void mm_diag_init(struct mm_diag *d)
{
	d->file[0] = '\0';
	d->line = -1;
	d->offset = -1;
	d->reason[0] = '\0';
}

int mm_diag_set(struct mm_diag *d, int err, const char *file, long line,
		long long offset, const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return err;
	mm_diag_init(d);
	if (file)
		snprintf(d->file, sizeof d->file, "%s", file);
	d->line = line;
	d->offset = offset;
	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof d->reason, fmt, ap);
	va_end(ap);
	return err;
}
