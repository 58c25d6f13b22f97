/* tests.h — the test tables of the guest functional suite. */
#ifndef P9G_TESTS_H
#define P9G_TESTS_H

struct test {
	const char *name;
	int (*fn)(const char *dir);	/* 0 pass, SKIP, else fail */
	unsigned timeout;		/* seconds; 0 = default (60) */
};

extern const struct test root_tests[];	/* run as root (forks other uids) */
extern const struct test user_tests[];	/* run as any uid, in its own dir */

#endif
