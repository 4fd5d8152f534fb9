/*
 * detect_docker.c — (being written)
 */
#include "core/compat.h"
#include "net/internal.h"

int detect_docker_register(struct mm_catalogue *cat)
{
	(void)cat;
	return 0;
}

void detect_docker_http(struct app_ctx *ctx, const struct http_msg *req,
			const struct http_msg *resp)
{
	(void)ctx;
	(void)req;
	(void)resp;
}
