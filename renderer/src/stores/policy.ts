import { defineStore } from 'pinia';
import { ref } from 'vue';
import { policyApi, type PolicyResponseDto, type UpdatePolicyDto } from '../api/policy';

export const usePolicyStore = defineStore('policy', () => {
  const view = ref<PolicyResponseDto | null>(null);
  const loading = ref(false);
  const saving = ref(false);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      view.value = await policyApi.get();
    } finally {
      loading.value = false;
    }
  }

  async function save(changes: UpdatePolicyDto): Promise<void> {
    saving.value = true;
    try {
      view.value = await policyApi.update(changes);
    } finally {
      saving.value = false;
    }
  }

  return { view, loading, saving, load, save };
});
