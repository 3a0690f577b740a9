/*
 * scenarios/kvm-pairing-under-reaper.json, a failing configuration: the oom_reaper and a KVM vCPU
 * faulting on page 3 (kvm:tdp_fault, address 3); notifiers amdgpu@tetsuo (a BO over [1, 2), in the
 * VMA the reaper reaps, so its non-blockable start always fails) and kvm (walked first). KVM's
 * approved starts are never ended: pairing (missing-end, and KVM's mmu_notifier_count unbalanced).
 */
#define HAVE_AMDGPU
#define AMDGPU_TETSUO
#define HAVE_KVM
#define N_REAPER 1
#define N_FAULT 1
#include "mnc.pml"
