/* 16 threads each sum one slice of 1..16*SLICE; the main thread prints the total. */
#include <pthread.h>
#include <stdio.h>

#define THREADS 16
#define SLICE 100000ULL

static unsigned long long partial[THREADS];

static void *sum_slice(void *arg)
{
	unsigned long long i = (unsigned long long)(unsigned long)arg;
	unsigned long long sum = 0;
	for (unsigned long long n = i * SLICE + 1; n <= (i + 1) * SLICE; n++)
		sum += n;
	partial[i] = sum;
	return NULL;
}

int main(void)
{
	pthread_t threads[THREADS];
	unsigned long long total = 0;
	for (unsigned long i = 0; i < THREADS; i++)
		if (pthread_create(&threads[i], NULL, sum_slice, (void *)i) != 0)
			return 2;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(threads[i], NULL);
		total += partial[i];
	}
	printf("%llu\n", total);
	return 0;
}
