/**
 * Patches the tests write by hand (the seeds are in examples/patches/).
 *
 * `WAIT_PATCH`: on the tetsuo variant's amdgpu_mn_read_lock, a call of amdgpu_mn_wait_fences(), a
 * function the model does not have, once the read lock is held, in both modes: refused unless
 * declared (--declare).
 */
export const WAIT_PATCH = [
  '--- a/drivers/gpu/drm/amd/amdgpu/amdgpu_mn.c',
  '+++ b/drivers/gpu/drm/amd/amdgpu/amdgpu_mn.c',
  '@@ -177,8 +177,9 @@ void amdgpu_mn_unlock(struct amdgpu_mn *mn)',
  ' static int amdgpu_mn_read_lock(struct amdgpu_mn *amn, bool blockable)',
  ' {',
  ' \tif (blockable)',
  ' \t\tdown_read(&amn->lock);',
  ' \telse if (!down_read_trylock(&amn->lock))',
  ' \t\treturn -EAGAIN;',
  '+\tamdgpu_mn_wait_fences(amn);',
  ' \treturn 0;',
  ' }',
  '',
].join('\n');
