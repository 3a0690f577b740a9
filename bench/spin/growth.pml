/*
 * bench/growth.ts's growth series (issue 12): the oom_reaper, (with -DIOCTL=1) the amdgpu CS ioctl,
 * and K identical madvise threads over amdgpu's BO [8, 10): spin -DK=3 -DIOCTL=1 -a growth.pml.
 * VMAs [0, 4) anonymous and [8, 12) a shared file mapping; one notifier, amdgpu@93065ac753e4.
 * mnc checks the same configuration as bench/growth.ts's scenario(k, ioctl); bench/spin.ts runs both.
 */
#ifndef K
#define K 1
#endif
#ifndef IOCTL
#define IOCTL 0
#endif
#define HAVE_AMDGPU
#define N_REAPER 1
#define N_IOCTL IOCTL
#define N_MADVISE_BO K
#include "mnc.pml"
