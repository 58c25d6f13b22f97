/*
 * faults.h - shared pieces of fault_client, the injected-fault tests of the
 * p9guard daemon pair (tests/faults/run.sh drives it; DESIGN.md section 10,
 * issue 8 "Faults").
 *
 * One program, one subcommand per fault, one file per subcommand:
 *   workload  fault_workload.c  several connections writing, creating and
 *                               fsyncing while run.sh kills the helper
 *   verify    fault_workload.c  the fsynced data is on disk (host side)
 *   inflight  fault_inflight.c  a client vanishing with requests in flight
 *   enospc    fault_enospc.c    a full tmpfs export
 *   nofile    fault_nofile.c    the daemon under a low RLIMIT_NOFILE
 *   maxfids   fault_nofile.c    a connection at --max-fids
 *   hoard     fault_nofile.c    a connection at its share of the helper's handles
 * Each prints "PASS: ..." and "FAIL: ..." lines (run.sh counts them) and
 * exits 1 when a check failed, 2 on bad usage.
 */
#ifndef P9G_FAULTS_H
#define P9G_FAULTS_H

#include <stdbool.h>
#include <stdint.h>

#include "p9client/p9_client.h"

/* Every synchronous call is bounded: a hang is a failure, never a stall. */
#define FT_CALL_TIMEOUT_MS 15000

/* PASS/FAIL lines; check() returns ok. */
bool check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int ft_failures(void);
/* "EIO (Input/output error)", "ok" or the count, for messages. */
const char *rcs(long rc);

/* Connect to the unix socket, negotiate msize, attach as root: the fid of
 * the export root in *root.  Prints why on failure. */
int ft_connect(const char *sock, uint32_t msize, struct p9_client **c, uint32_t *root);
/* Walk `name` (one component) from dir into a new fid; P9_NOFID on error,
 * with the error in *err. */
uint32_t ft_walk1(struct p9_client *c, uint32_t dir, const char *name, int *err);
/* Clunk and give the fid number back. */
void ft_clunk(struct p9_client *c, uint32_t fid);
/* Create dir/name (mode 0644, owner root) and open it for reading and
 * writing: the new fid, or P9_NOFID with the error in *err. */
uint32_t ft_create(struct p9_client *c, uint32_t dir, const char *name, int *err);

int ft_workload(int argc, char **argv);
int ft_verify(int argc, char **argv);
int ft_inflight(int argc, char **argv);
int ft_walks_die(int argc, char **argv);
int ft_enospc(int argc, char **argv);
int ft_nofile(int argc, char **argv);
int ft_maxfids(int argc, char **argv);
int ft_hoard(int argc, char **argv);

#endif
