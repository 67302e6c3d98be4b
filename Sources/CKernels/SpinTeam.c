// A team of worker threads that spin while one caller holds the team, for loops too short
// to pay a sleeping pool's wake-up.
//
// Decoding one token of a 135M model is ~211 products of 20–80 µs each. Handing each to a
// sleeping thread (a condition variable, GCD) costs tens of µs per hand-off, about what the
// split saves, so two threads decoded no faster than one. While the team is held, its
// workers poll one atomic word instead of sleeping: a hand-off is a cache-line transfer.
// Outside a held stretch they sleep, so an idle program burns nothing.
//
// Work is claimed dynamically, `grain` items at a time, from one 64-bit word that holds the
// task's generation (high 32 bits) and its next unclaimed item (low 32 bits). A worker can
// only claim from the generation whose task it read, so a worker that wakes late never runs
// an old task's items against a new task's arguments; the caller takes items too, so a
// worker the scheduler descheduled delays a task only by the items it already claimed.
// Between tasks the word says "generation g, nothing left" (an item index above any count),
// so a worker that read half of the next task's arguments under the old generation claims
// nothing; the arguments are stored with release and read with acquire for that reason.
#include "CKernels.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

#define MAX_WORKERS 63
// Polls (a pause each, ~50 ns) before a waiting thread also yields its core between polls:
// on a machine with more runnable threads than cores, a spinning thread would otherwise
// keep the one it waits for (or another process) off the core for a whole time slice.
#define SPINS_BEFORE_YIELD 2048
#define EXHAUSTED 0xFFFFFFFFu               // the item index of a finished task's word

static pthread_mutex_t team_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t team_wake = PTHREAD_COND_INITIALIZER;
static int started_workers;                 // guarded by team_lock
static atomic_int held;                     // 1 while a caller holds the team
static atomic_int spinning_workers;         // workers [0, spinning_workers) poll; others sleep

static _Atomic uint64_t claim_word;         // (generation << 32) | next item
static atomic_long finished_items;
static _Atomic(ck_range_work) task_work;
static _Atomic(void *) task_context;
static atomic_long task_count;
static atomic_long task_grain;
static uint32_t caller_generation;          // touched by the holder only
static _Thread_local int inside_team_work;  // a worker thread, or the holder inside ck_team_run

// Claims and runs items of `generation` until none is left or a newer task replaced it.
static void run_claims(uint32_t generation, long count, long grain, ck_range_work work, void *context) {
    for (;;) {
        uint64_t word = atomic_load_explicit(&claim_word, memory_order_acquire);
        if ((uint32_t)(word >> 32) != generation) return;
        long lo = (long)(uint32_t)word;
        if (lo >= count) return;
        long hi = lo + grain < count ? lo + grain : count;
        uint64_t next = ((uint64_t)generation << 32) | (uint64_t)hi;
        if (atomic_compare_exchange_weak_explicit(&claim_word, &word, next, memory_order_acq_rel,
                                                  memory_order_relaxed)) {
            work(context, lo, hi);
            atomic_fetch_add_explicit(&finished_items, hi - lo, memory_order_release);
        }
    }
}

static void *worker_main(void *argument) {
    int index = (int)(intptr_t)argument;
    inside_team_work = 1;
    uint32_t seen = 0;
    unsigned idle = 0;
    for (;;) {
        if (index >= atomic_load_explicit(&spinning_workers, memory_order_acquire)) {
            pthread_mutex_lock(&team_lock);
            while (index >= atomic_load_explicit(&spinning_workers, memory_order_acquire))
                pthread_cond_wait(&team_wake, &team_lock);
            pthread_mutex_unlock(&team_lock);
            idle = 0;
            continue;
        }
        uint64_t word = atomic_load_explicit(&claim_word, memory_order_acquire);
        uint32_t generation = (uint32_t)(word >> 32);
        if (generation == seen) {
            if (++idle > SPINS_BEFORE_YIELD) sched_yield(); else CPU_RELAX();
            continue;
        }
        idle = 0;
        long count = atomic_load_explicit(&task_count, memory_order_acquire);
        long grain = atomic_load_explicit(&task_grain, memory_order_acquire);
        ck_range_work work = atomic_load_explicit(&task_work, memory_order_acquire);
        void *context = atomic_load_explicit(&task_context, memory_order_acquire);
        // If any of these already belongs to the next task, the claims below see its
        // generation or the finished word and run nothing.
        run_claims(generation, count, grain, work, context);
        seen = generation;
    }
    return NULL;
}

int ck_team_acquire(int threads) {
    int workers = threads - 1;
    if (workers <= 0) return 0;
    if (workers > MAX_WORKERS) workers = MAX_WORKERS;
    int expected = 0;
    if (!atomic_compare_exchange_strong(&held, &expected, 1)) return 0;
    pthread_mutex_lock(&team_lock);
    while (started_workers < workers) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&thread, &attributes, worker_main, (void *)(intptr_t)started_workers);
        pthread_attr_destroy(&attributes);
        if (failed) break;
        started_workers += 1;
    }
    if (workers > started_workers) workers = started_workers;
    atomic_store_explicit(&spinning_workers, workers, memory_order_release);
    pthread_cond_broadcast(&team_wake);
    pthread_mutex_unlock(&team_lock);
    if (workers == 0) atomic_store(&held, 0);
    return workers;
}

void ck_team_release(void) {
    pthread_mutex_lock(&team_lock);
    atomic_store_explicit(&spinning_workers, 0, memory_order_release);
    pthread_mutex_unlock(&team_lock);
    atomic_store(&held, 0);
}

int ck_team_inside(void) { return inside_team_work; }

void ck_team_run(long count, long grain, void *context, ck_range_work work) {
    if (count <= 0) return;
    if (count >= (long)EXHAUSTED) { work(context, 0, count); return; }
    if (grain < 1) grain = 1;
    caller_generation += 1;
    if (caller_generation == 0) caller_generation = 1;   // 0 is what a new worker has seen
    uint32_t generation = caller_generation;
    atomic_store_explicit(&task_count, count, memory_order_release);
    atomic_store_explicit(&task_grain, grain, memory_order_release);
    atomic_store_explicit(&task_work, work, memory_order_release);
    atomic_store_explicit(&task_context, context, memory_order_release);
    atomic_store_explicit(&finished_items, 0, memory_order_relaxed);
    // Publishes the fields above: a worker that sees this generation sees them too.
    atomic_store_explicit(&claim_word, (uint64_t)generation << 32, memory_order_release);
    inside_team_work = 1;
    run_claims(generation, count, grain, work, context);
    inside_team_work = 0;
    for (unsigned spins = 0; atomic_load_explicit(&finished_items, memory_order_acquire) < count;)
        if (++spins > SPINS_BEFORE_YIELD) sched_yield(); else CPU_RELAX();
    atomic_store_explicit(&claim_word, ((uint64_t)generation << 32) | EXHAUSTED, memory_order_release);
}
