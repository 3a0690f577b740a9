/*
 * The kernel bench, bench/scenarios/reaper-ioctl-two-pairs.json: the oom_reaper, the amdgpu CS ioctl
 * (amdgpu:cs_v4_19) taking amn->lock for write, and two blockable start/end pairs (madvise) over
 * amdgpu's BO [8, 10) and over KVM's memslot [0, 2). Notifiers amdgpu@93065ac753e4 and kvm: the
 * core walks them KVM first (hlist_add_head: the last registered first).
 */
#define HAVE_AMDGPU
#define HAVE_KVM
#define N_REAPER 1
#define N_IOCTL 1
#define N_MADVISE_BO 1
#define N_MADVISE_KVM 1
#include "mnc.pml"
