import { reactive, ref } from 'vue';
import { useI18n } from 'vue-i18n';
import { ElMessage } from 'element-plus';
import type { MemberFilter } from '../api/members';
import type { SegmentDto } from '../api/campaigns';
import { useCampaignsStore } from '../stores/campaigns';
import { useApiError } from './useApiError';

/**
 * A segment's name and description and its save (new when `id` is null), for
 * 保存为分群 and the segment editor alike: success toast, error toast, `saved`
 * callback on success.
 */
export function useSegmentSave(onSaved: (segment: SegmentDto) => void) {
  const { t } = useI18n();
  const campaigns = useCampaignsStore();
  const { toast } = useApiError();
  const form = reactive({ name: '', description: '' });
  const saving = ref(false);

  async function save(id: number | null, filter: MemberFilter): Promise<void> {
    saving.value = true;
    try {
      const saved = await campaigns.saveSegment(id, { name: form.name, description: form.description, filter });
      ElMessage({ type: 'success', message: t('campaigns.members.saved', { name: saved.name }) });
      onSaved(saved);
    } catch (cause) {
      toast(cause);
    } finally {
      saving.value = false;
    }
  }

  return { form, saving, save };
}
