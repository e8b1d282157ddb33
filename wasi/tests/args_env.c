/* args_env.c - args_get, args_sizes_get, environ_get, environ_sizes_get.
 * Run as: FOO_HOST=hostval SECRET=leak chibi run --env A=1 --env B= --env FOO_HOST
 *         --env UNSET_ON_HOST args_env.wasm x "y z" */
#include <stdlib.h>
#include "check.h"

int main(int argc, char **argv)
{
	__wasi_size_t n, size;
	uint8_t *vec[8], buf[256];
	extern char **environ;
	int i;

	CHECK(argc == 3);
	CHECK(strstr(argv[0], "args_env") != NULL);
	CHECK(argc == 3 && strcmp(argv[1], "x") == 0 && strcmp(argv[2], "y z") == 0);

	CHECK_OK(__wasi_args_sizes_get(&n, &size));
	CHECK(n == 3);
	CHECK(size == strlen(argv[0]) + 1 + 2 + 4);
	CHECK_OK(__wasi_args_get(vec, buf));
	CHECK(strcmp((char *)vec[1], "x") == 0 && (uint8_t *)vec[1] == buf + strlen(argv[0]) + 1);
	CHECK_ERR(__wasi_args_sizes_get(BAD_PTR, &size), __WASI_ERRNO_FAULT);
	CHECK_ERR(__wasi_args_sizes_get(&n, BAD_PTR), __WASI_ERRNO_FAULT);
	CHECK_ERR(__wasi_args_get(BAD_PTR, buf), __WASI_ERRNO_FAULT);
	CHECK_ERR(__wasi_args_get(vec, BAD_PTR), __WASI_ERRNO_FAULT);

	/* Exactly the three variables given, in order; nothing else from the host. */
	CHECK_OK(__wasi_environ_sizes_get(&n, &size));
	CHECK(n == 3);
	CHECK(size == sizeof("A=1") + sizeof("B=") + sizeof("FOO_HOST=hostval"));
	CHECK_OK(__wasi_environ_get(vec, buf));
	CHECK(strcmp((char *)vec[0], "A=1") == 0);
	CHECK(strcmp((char *)vec[1], "B=") == 0);
	CHECK(strcmp((char *)vec[2], "FOO_HOST=hostval") == 0);
	CHECK_ERR(__wasi_environ_sizes_get(BAD_PTR, &size), __WASI_ERRNO_FAULT);
	CHECK_ERR(__wasi_environ_get(vec, BAD_PTR), __WASI_ERRNO_FAULT);
	CHECK_ERR(__wasi_environ_get(BAD_PTR, buf), __WASI_ERRNO_FAULT);
	CHECK(getenv("SECRET") == NULL);
	CHECK(getenv("PATH") == NULL);
	CHECK(getenv("UNSET_ON_HOST") == NULL);
	CHECK(getenv("A") && strcmp(getenv("A"), "1") == 0);
	for (i = 0; environ[i]; i++)
		;
	CHECK(i == 3);
	DONE("args_env");
}
