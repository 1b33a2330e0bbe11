/* Dies of SIGSEGV by writing through a NULL pointer. */
#include <stdio.h>

int main(void)
{
	volatile int *volatile p = NULL;
	*p = 42;
	puts("survived a NULL dereference");
	return 0;
}
