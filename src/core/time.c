/*
 * time.c — clocks, RFC 3339 formatting and parsing, FILETIME (see time.h).
 *
 * Time is int64 microseconds since 1970-01-01T00:00:00Z. Calendar maths is
 * our own proleptic-Gregorian day count (no timegm/gmtime, which depend on
 * the C library's range and on TZ), so results are identical everywhere.
 *
 * Limits: formatting clamps to years 0000..9999 (RFC 3339 has four-digit
 * years); parsing accepts years 0000..9999, offsets up to +-23:59, fractions
 * of any length (digits past microseconds are dropped), and leap seconds
 * (":60" is read as second 0 of the next minute). Spans:
 * a positive integer followed by s, m, h, d or w, counted back from now.
 *
 * Threading: everything is pure except the two clock reads.
 */
#include "core/compat.h"
#include "core/time.h"

#include <time.h>

#define US_PER_SEC INT64_C(1000000)
#define SEC_PER_DAY INT64_C(86400)
/* 0000-01-01 and 9999-12-31T23:59:59.999999 in Unix microseconds */
#define MIN_US (INT64_C(-62167219200) * US_PER_SEC)
#define MAX_US (INT64_C(253402300799) * US_PER_SEC + 999999)
/* seconds between 1601-01-01 and 1970-01-01 */
#define FILETIME_EPOCH_DIFF INT64_C(11644473600)

int64_t mm_now_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * US_PER_SEC + ts.tv_nsec / 1000;
}

int64_t mm_monotonic_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * US_PER_SEC + ts.tv_nsec / 1000;
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && is_leap(y))
		return 29;
	return dm[m - 1];
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian, eras of 400 years). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static void put_num(char *p, int64_t v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

void mm_time_format(int64_t us, char out[MM_TIME_STR])
{
	int64_t secs, days, rem, y;
	int64_t frac;
	int m, d;

	if (us < MIN_US)
		us = MIN_US;
	if (us > MAX_US)
		us = MAX_US;
	/* floor division so that times before 1970 stay correct */
	secs = us / US_PER_SEC;
	frac = us % US_PER_SEC;
	if (frac < 0) {
		frac += US_PER_SEC;
		secs--;
	}
	days = secs / SEC_PER_DAY;
	rem = secs % SEC_PER_DAY;
	if (rem < 0) {
		rem += SEC_PER_DAY;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	/* YYYY-MM-DDTHH:MM:SS.ffffffZ */
	put_num(out, y, 4);
	out[4] = '-';
	put_num(out + 5, m, 2);
	out[7] = '-';
	put_num(out + 8, d, 2);
	out[10] = 'T';
	put_num(out + 11, rem / 3600, 2);
	out[13] = ':';
	put_num(out + 14, rem / 60 % 60, 2);
	out[16] = ':';
	put_num(out + 17, rem % 60, 2);
	out[19] = '.';
	put_num(out + 20, frac, 6);
	out[26] = 'Z';
	out[27] = '\0';
}

/* Reads exactly n digits at *p; advances. */
static bool digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static int parse_span(const char *s, int64_t now_us, int64_t *out_us)
{
	int64_t v = 0, unit;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return MM_EINVAL;
	while (*p >= '0' && *p <= '9') {
		if (v > INT64_MAX / 10 - 9)
			return MM_EINVAL;
		v = v * 10 + (*p - '0');
		p++;
	}
	switch (*p) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = SEC_PER_DAY; break;
	case 'w': unit = 7 * SEC_PER_DAY; break;
	default: return MM_EINVAL;
	}
	if (p[1] != '\0')
		return MM_EINVAL;
	/* the span must fit, and now - span must stay representable */
	if (v > INT64_MAX / unit / US_PER_SEC)
		return MM_EINVAL;
	v *= unit * US_PER_SEC;
	if (now_us < INT64_MIN + v)
		return MM_EINVAL;
	*out_us = now_us - v;
	return 0;
}

int mm_time_parse(const char *s, int64_t now_us, int64_t *out_us)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0;
	int64_t frac = 0, t, offset = 0;

	if (!s || !out_us)
		return MM_EINVAL;
	if (strcmp(s, "now") == 0) {
		*out_us = now_us;
		return 0;
	}
	if (!(s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' &&
	      s[2] >= '0' && s[2] <= '9' && s[3] >= '0' && s[3] <= '9' && s[4] == '-'))
		return parse_span(s, now_us, out_us);

	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
	    !digits(&p, 2, &d))
		return MM_EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return MM_EINVAL;
	if (*p == 'T' || *p == 't' || (*p == ' ' && p[1] != '\0')) {
		p++;
		if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
			return MM_EINVAL;
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, &sec))
				return MM_EINVAL;
			if (*p == '.' || *p == ',') {
				int64_t scale = 100000;
				p++;
				if (*p < '0' || *p > '9')
					return MM_EINVAL;
				while (*p >= '0' && *p <= '9') {
					frac += (*p - '0') * scale;
					scale /= 10;
					p++;
				}
			}
		}
		if (h > 23 || mi > 59 || sec > 60)
			return MM_EINVAL;
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p == '-' ? -1 : 1;
			p++;
			if (!digits(&p, 2, &oh))
				return MM_EINVAL;
			if (*p == ':')
				p++;
			if (!digits(&p, 2, &om))
				return MM_EINVAL;
			if (oh > 23 || om > 59)
				return MM_EINVAL;
			offset = sign * ((int64_t)oh * 3600 + om * 60);
		}
	}
	if (*p != '\0')
		return MM_EINVAL;
	t = days_from_civil(y, mo, d) * SEC_PER_DAY + (int64_t)h * 3600 + mi * 60 + sec;
	/* local time = UTC + offset */
	t -= offset;
	*out_us = t * US_PER_SEC + frac;
	return 0;
}

int64_t mm_time_from_filetime(uint64_t ft)
{
	if (ft == 0)
		return 0;
	return (int64_t)(ft / 10) - FILETIME_EPOCH_DIFF * US_PER_SEC;
}
