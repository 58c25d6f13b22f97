/*
 * helper_idmap.c - the helper's uid/gid maps (--uid-map, --gid-map).
 *
 * Every id a request carries is a guest id; every id the helper hands to
 * the kernel is a host id, and every id it reports back is a guest id
 * again.  The places ids cross:
 *
 *   credentials   creds_switch(): the request's uid and create gid
 *   chown         setattr's new uid/gid
 *   getattr       the owner of what was stat'ed
 *   POSIX ACLs    the ACL_USER/ACL_GROUP entries of system.posix_acl_*
 *                 values, both ways (an unmapped guest id there is EINVAL,
 *                 as in a user namespace: an ACL must not name a host id
 *                 the guest was not given)
 *
 * The maps are set once at start-up and only read afterwards.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "helper/helper.h"

static struct idmap uids, gids;

void hidmap_init(const struct idmap *u, const struct idmap *g)
{
	uids = *u;
	gids = *g;
	for (unsigned int i = 0; i < uids.n; i++)
		log_info("uid map: guest %u-%u -> host %u-%u", uids.r[i].guest,
			 uids.r[i].guest + (uids.r[i].count - 1), uids.r[i].host,
			 uids.r[i].host + (uids.r[i].count - 1));
	for (unsigned int i = 0; i < gids.n; i++)
		log_info("gid map: guest %u-%u -> host %u-%u", gids.r[i].guest,
			 gids.r[i].guest + (gids.r[i].count - 1), gids.r[i].host,
			 gids.r[i].host + (gids.r[i].count - 1));
	if (uids.n)
		log_info("unmapped guest uids act as host uid %u", uids.squash);
	if (gids.n)
		log_info("unmapped guest gids act as host gid %u", gids.squash);
}

bool hidmap_active(void)
{
	return idmap_active(&uids) || idmap_active(&gids);
}

uint32_t hidmap_uid_to_host(uint32_t guest, bool *mapped)
{
	return idmap_to_host(&uids, guest, mapped);
}

uint32_t hidmap_gid_to_host(uint32_t guest, bool *mapped)
{
	return idmap_to_host(&gids, guest, mapped);
}

void hidmap_attr_to_guest(struct hp_attr *a)
{
	a->uid = idmap_to_guest(&uids, a->uid);
	a->gid = idmap_to_guest(&gids, a->gid);
}

/* The on-disk POSIX ACL xattr: le32 version 2, then entries of le16 tag,
 * le16 perm, le32 id (uapi linux/posix_acl_xattr.h). */
#define ACL_XATTR_VERSION 2
#define ACL_TAG_USER 0x02
#define ACL_TAG_GROUP 0x08
#define ACL_HEADER 4
#define ACL_ENTRY 8

bool hidmap_is_acl(const char *name)
{
	return strcmp(name, "system.posix_acl_access") == 0 ||
	       strcmp(name, "system.posix_acl_default") == 0;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

int hidmap_acl(void *value, size_t len, bool to_host)
{
	uint8_t *p = value;

	if (!hidmap_active())
		return 0;
	if (len < ACL_HEADER || (len - ACL_HEADER) % ACL_ENTRY || le32(p) != ACL_XATTR_VERSION)
		return EINVAL;
	for (size_t off = ACL_HEADER; off < len; off += ACL_ENTRY) {
		uint16_t tag = (uint16_t)(p[off] | p[off + 1] << 8);
		uint32_t id = le32(p + off + 4);
		bool mapped = true;

		if (tag == ACL_TAG_USER)
			id =
			    to_host ? idmap_to_host(&uids, id, &mapped) : idmap_to_guest(&uids, id);
		else if (tag == ACL_TAG_GROUP)
			id =
			    to_host ? idmap_to_host(&gids, id, &mapped) : idmap_to_guest(&gids, id);
		else
			continue;
		if (!mapped)
			return EINVAL;
		put_le32(p + off + 4, id);
	}
	return 0;
}
