/*
 * scenarios/amdgpu-ioctl-alloc-under-lock.json, variant alloc-under-lock: a deadlocking
 * configuration (it exercises the deadlock and reaper-progress encodings, which hold in the
 * others). The oom_reaper and the CS ioctl before 4a2de54dc1d7, which allocates under amn->lock
 * held for write; allocation.mayFail and allocation.reclaim = page 8 (the BO's). VMAs [0, 4) and
 * [8, 12), both anonymous (the reaper reaps both; the BO [8, 10) lies in the second); one notifier,
 * amdgpu@93065ac753e4. Direct reclaim under the write lock reaches amdgpu's blockable start, which
 * waits for the read lock: the ioctl waits for itself, and the reaper, queued on the same lock or
 * holding the read_lock mutex the ioctl's start wants, never finishes.
 */
#define HAVE_AMDGPU
#define HAVE_RECLAIM
#define REAP_VMA1
#define N_REAPER 1
#define N_IOCTL_AUL 1
#include "mnc.pml"
