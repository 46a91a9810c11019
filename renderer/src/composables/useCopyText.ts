import { ref } from 'vue';

/**
 * Copies a text shown once (a temporary password, an API key) to the clipboard. The clipboard
 * needs a secure context; on plain http over the LAN the text's element is selected and copied
 * the old way instead. `copied` is true for two seconds after.
 */
export function useCopyText() {
  const copied = ref(false);
  async function copy(text: string, node: Element | null | undefined): Promise<void> {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      if (node) {
        const range = document.createRange();
        range.selectNodeContents(node);
        window.getSelection()?.removeAllRanges();
        window.getSelection()?.addRange(range);
        document.execCommand('copy');
      }
    }
    copied.value = true;
    setTimeout(() => (copied.value = false), 2000);
  }
  return { copied, copy };
}
