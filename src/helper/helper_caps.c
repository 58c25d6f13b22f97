/*
 * helper_caps.c - a capability raised for one request, on one thread.
 *
 * CAP_SYS_ADMIN (--trusted-xattrs) is kept in the helper's permitted set
 * but not in its effective set: the kernel would otherwise grant every
 * guest uid trusted.* and security.* xattrs, because setfsuid() takes only
 * the filesystem capabilities out of the effective set.  A handler raises
 * it around the one call that needs it, for a request whose host uid is 0,
 * and lowers it right after.  capget/capset with pid 0 act on the calling
 * thread only, so other workers never see it raised.
 */
#include "config.h"

#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "helper/helper.h"

static int caps_get(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};

	memset(d, 0, 2 * sizeof(*d));
	return syscall(SYS_capget, &h, d) < 0 ? errno : 0;
}

static int caps_set(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};

	return syscall(SYS_capset, &h, d) < 0 ? errno : 0;
}

bool hcaps_effective(unsigned int cap)
{
	struct __user_cap_data_struct d[2];

	if (cap > 63 || caps_get(d))
		return false;
	return d[cap / 32].effective & (1u << (cap % 32));
}

int hcaps_raise(unsigned int cap)
{
	struct __user_cap_data_struct d[2];
	int err;

	if (cap > 63)
		return EINVAL;
	err = caps_get(d);
	if (err)
		return err;
	if (!(d[cap / 32].permitted & (1u << (cap % 32))))
		return EPERM; /* not kept at start-up: the option is off */
	d[cap / 32].effective |= 1u << (cap % 32);
	return caps_set(d);
}

void hcaps_lower(unsigned int cap)
{
	struct __user_cap_data_struct d[2];

	if (cap > 63 || caps_get(d))
		die("cannot read this thread's capabilities");
	d[cap / 32].effective &= ~(1u << (cap % 32));
	/* A capability left raised would serve the next request: stop. */
	if (caps_set(d) || hcaps_effective(cap))
		die("cannot lower capability %u after a request", cap);
}
