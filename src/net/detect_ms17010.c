/*
 * detect_ms17010.c — (being written)
 */
#include "core/compat.h"
#include "net/internal.h"

int detect_ms17010_register(struct mm_catalogue *cat)
{
	(void)cat;
	return 0;
}
