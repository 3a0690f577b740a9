/**
 * The registry of modelled mmu-notifier users. A scenario names them as `driver@variant`.
 */
import type { DriverDef } from '../driver.ts';
import { GNTDEV } from './gntdev.ts';
import { SGI_GRU } from './sgi_gru.ts';
import { SCIF } from './scif.ts';
import { HFI1 } from './hfi1.ts';
import { UMEM_ODP } from './umem_odp.ts';
import { AMDGPU, AMDGPU_HSA } from './amdgpu.ts';
import { RADEON } from './radeon.ts';
import { I915 } from './i915.ts';
import { KVM } from './kvm.ts';
import { HMM } from './hmm.ts';
import { TEST_HMM } from './test_hmm.ts';
import { NOUVEAU } from './nouveau.ts';

export const DRIVERS: Readonly<Record<string, DriverDef>> = {
  [GNTDEV.name]: GNTDEV,
  [SGI_GRU.name]: SGI_GRU,
  [SCIF.name]: SCIF,
  [HFI1.name]: HFI1,
  [UMEM_ODP.name]: UMEM_ODP,
  [AMDGPU.name]: AMDGPU,
  [AMDGPU_HSA.name]: AMDGPU_HSA,
  [RADEON.name]: RADEON,
  [I915.name]: I915,
  [KVM.name]: KVM,
  [HMM.name]: HMM,
  [TEST_HMM.name]: TEST_HMM,
  [NOUVEAU.name]: NOUVEAU,
};
