/*
 * helper_nodes.c - objects, nodes, and the index of nodes by location.
 *
 * Lifetime: an object (one O_PATH fd) lives while a node names it or a child
 * node keeps it as parent; a node lives while a handle or an in-flight
 * request refers to it.  A node holds at most two objects and objects hold
 * nothing, so no chain of ancestors is ever pinned: the number of open
 * descriptors is bounded by twice the number of live handles.
 *
 * The index (issue 22, finding 5): a rename by name (HP_RENAMEAT) must make
 * every handle found as (olddir, oldname) follow it.  Nodes that some handle
 * names and whose location is known sit in a hash table keyed by (parent's
 * device and inode, name), so a rename visits the nodes found under that
 * location only, not every handle of the table.  The hash is keyed with a
 * secret (common/keyhash.h): names are the guest's to choose.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/keyhash.h"
#include "helper/helper.h"

int hobj_new(int fd, struct helper_obj **out)
{
	struct helper_obj *o;
	struct stat st;
	int err;

	err = helper_fstat(fd, &st);
	if (err)
		goto close_fd;
	o = calloc(1, sizeof(*o));
	if (!o) {
		err = ENOMEM;
		goto close_fd;
	}
	atomic_init(&o->refs, 1);
	o->fd = fd;
	o->dev = st.st_dev;
	o->ino = st.st_ino;
	o->type = st.st_mode & S_IFMT;
	*out = o;
	return 0;

close_fd:
	close(fd);
	return err;
}

struct helper_obj *hobj_get(struct helper_obj *o)
{
	if (o)
		atomic_fetch_add(&o->refs, 1);
	return o;
}

void hobj_put(struct helper_obj *o)
{
	if (o && atomic_fetch_sub(&o->refs, 1) == 1) {
		close(o->fd);
		free(o);
	}
}

/* Guards every node's parent and name (they change on HP_RENAME). */
static pthread_mutex_t node_lock = PTHREAD_MUTEX_INITIALIZER;

int hnode_new(struct helper_obj *self, struct helper_obj *parent, const char *name,
	      struct helper_node **out)
{
	struct helper_node *n;

	n = calloc(1, sizeof(*n));
	if (!n)
		goto put_objs;
	if (name) {
		n->name = strdup(name);
		if (!n->name)
			goto free_node;
	}
	atomic_init(&n->refs, 1);
	n->self = self;
	n->parent = parent;
	*out = n;
	return 0;

free_node:
	free(n);
put_objs:
	hobj_put(self);
	hobj_put(parent);
	return ENOMEM;
}

struct helper_node *hnode_get(struct helper_node *n)
{
	if (n)
		atomic_fetch_add(&n->refs, 1);
	return n;
}

void hnode_put(struct helper_node *n)
{
	if (n && atomic_fetch_sub(&n->refs, 1) == 1) {
		hobj_put(n->self);
		hobj_put(n->parent);
		free(n->name);
		free(n);
	}
}

int hnode_where(struct helper_node *n, struct helper_obj **parent, char name[HP_MAX_NAME + 1])
{
	int err = 0;

	pthread_mutex_lock(&node_lock);
	if (!n->parent || !n->name) {
		err = EINVAL;
		goto unlock;
	}
	*parent = hobj_get(n->parent);
	strcpy(name, n->name);	/* names are <= HP_MAX_NAME: checked on entry */
unlock:
	pthread_mutex_unlock(&node_lock);
	return err;
}

/* ---- the index of nodes by location (node_lock) ---- */

#define INDEX_BITS 16
#define INDEX_SIZE (1u << INDEX_BITS)

static struct helper_node *index_bucket[INDEX_SIZE];
static struct keyhash_key index_key;
static pthread_once_t index_key_once = PTHREAD_ONCE_INIT;

static void index_key_init(void)
{
	keyhash_key_init(&index_key);
}

static unsigned int index_of(dev_t dev, ino_t ino, const char *name)
{
	uint8_t key[16 + HP_MAX_NAME];
	uint64_t d = (uint64_t)dev, i = (uint64_t)ino;
	size_t len = strnlen(name, HP_MAX_NAME);

	memcpy(key, &d, 8);
	memcpy(key + 8, &i, 8);
	memcpy(key + 16, name, len);
	return (unsigned int)keyhash(&index_key, key, 16 + len) & (INDEX_SIZE - 1);
}

/* Link n under its location, if it has one and a handle names it. */
static void index_link(struct helper_node *n)
{
	struct helper_node **head;

	if (!n->handles || !n->parent || !n->name)
		return;
	head = &index_bucket[index_of(n->parent->dev, n->parent->ino, n->name)];
	n->inext = *head;
	n->iprev = head;
	if (*head)
		(*head)->iprev = &n->inext;
	*head = n;
}

static void index_unlink(struct helper_node *n)
{
	if (!n->iprev)
		return;
	*n->iprev = n->inext;
	if (n->inext)
		n->inext->iprev = n->iprev;
	n->inext = NULL;
	n->iprev = NULL;
}

void hnode_handle_added(struct helper_node *n)
{
	pthread_once(&index_key_once, index_key_init);
	pthread_mutex_lock(&node_lock);
	if (n->handles++ == 0)
		index_link(n);
	pthread_mutex_unlock(&node_lock);
}

void hnode_handle_released(struct helper_node *n)
{
	pthread_mutex_lock(&node_lock);
	if (--n->handles == 0)
		index_unlink(n);
	pthread_mutex_unlock(&node_lock);
}

/*
 * Give n a new location (node_lock held): ENOMEM leaves it where it was.
 * The old parent is put here, under the lock: closing an O_PATH descriptor
 * does not wait for anything.
 */
static int relocate_locked(struct helper_node *n, struct helper_obj *newparent,
			   const char *newname)
{
	struct helper_obj *oldparent = n->parent;
	char *copy = strdup(newname);

	if (!copy)
		return ENOMEM;
	index_unlink(n);
	free(n->name);
	n->parent = hobj_get(newparent);
	n->name = copy;
	index_link(n);
	hobj_put(oldparent);
	return 0;
}

int hnode_move(struct helper_node *n, struct helper_obj *newparent, const char *newname)
{
	int err;

	pthread_mutex_lock(&node_lock);
	err = relocate_locked(n, newparent, newname);
	pthread_mutex_unlock(&node_lock);
	return err;
}

static bool found_as(const struct helper_node *n, const struct helper_obj *dir,
		     const char *name)
{
	return n->parent && n->name && n->parent->dev == dir->dev &&
	       n->parent->ino == dir->ino && strcmp(n->name, name) == 0;
}

void hnodes_renamed(const struct helper_obj *olddir, const char *oldname,
		    struct helper_obj *newdir, const char *newname)
{
	struct helper_node *moved = NULL, *n, *next;

	pthread_once(&index_key_once, index_key_init);
	pthread_mutex_lock(&node_lock);
	/* Take them out first: their new bucket may be this one. */
	for (n = index_bucket[index_of(olddir->dev, olddir->ino, oldname)]; n; n = next) {
		next = n->inext;
		if (found_as(n, olddir, oldname)) {
			index_unlink(n);
			n->inext = moved;
			moved = n;
		}
	}
	for (n = moved; n; n = next) {
		next = n->inext;
		n->inext = NULL;
		/* Out of memory the node stays stale: HP_RENAME/REMOVE say ESTALE. */
		if (relocate_locked(n, newdir, newname))
			index_link(n);
	}
	pthread_mutex_unlock(&node_lock);
}
