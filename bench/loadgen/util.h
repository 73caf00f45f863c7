/* Small helpers of the load generator: clocks, process statistics from /proc, a PRNG, logging.
 * Nothing here knows the protocol. */
#ifndef LG_UTIL_H
#define LG_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LG_NS_PER_S  UINT64_C(1000000000)
#define LG_NS_PER_MS UINT64_C(1000000)
#define LG_NS_PER_US UINT64_C(1000)

/* CLOCK_MONOTONIC in nanoseconds (vDSO, no syscall). Every timestamp the generator compares comes
 * from this one clock, in this one process. */
uint64_t lg_now_ns(void);

/* CPU time (user + system) of another process from /proc/PID/stat, in nanoseconds (the kernel
 * counts it in clock ticks, usually 10 ms). Returns 0, or -1 when the process cannot be read. */
int lg_proc_cpu_ns(int pid, uint64_t *out);

/* Resident set size of a process from /proc/PID/status (VmRSS), in KiB. 0 or -1. */
int lg_proc_rss_kb(int pid, uint64_t *out);

/* This process' own CPU time (getrusage), in nanoseconds. */
uint64_t lg_self_cpu_ns(void);

void lg_seed(uint64_t seed);
uint64_t lg_rand(void);
/* Uniform in [0, 1). */
double lg_rand01(void);

/* Human-readable progress on stderr, prefixed with the seconds since start; silent with --quiet. */
void lg_set_quiet(bool quiet);
/* The time log lines count from (else the first line). */
void lg_log_start(void);
void lg_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Always printed (errors, the final human-readable report). */
void lg_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Letters-only hexadecimal ('a' + nibble): carries numbers through chat text without ever forming
 * a run of digits that a server could mask as a Social Security number. Returns the length
 * written (no NUL). */
size_t lg_lhex(char *out, uint64_t v);
/* Parses what lg_lhex wrote; stops at the first character outside 'a'..'p'. */
uint64_t lg_lhex_parse(const char *s, size_t len, size_t *used);

/* Wrapper that exits on allocation failure: the generator has no useful way to go on. */
void *lg_xmalloc(size_t n);
void *lg_xcalloc(size_t n, size_t size);
void *lg_xrealloc(void *p, size_t n);
char *lg_xstrdup(const char *s);

#endif
