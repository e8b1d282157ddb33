/* trap.c - output written before a trap reaches the host; the trap exits 134. */
#include <unistd.h>

int main(void)
{
	write(1, "partial output\n", 15);
	__builtin_trap();
}
