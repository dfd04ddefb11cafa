import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

/** A status line: errors are announced at once (role=alert), other news politely (role=status). */
export function Notice(props: {
  readonly kind: 'error' | 'info' | 'success';
  readonly children: ComponentChildren;
}) {
  return (
    <p class={`notice notice-${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </p>
  );
}

/** A code block with a copy button (clipboard where the browser allows it). */
export function CopyBlock(props: { readonly text: string; readonly label: string }) {
  const [copied, setCopied] = useState(false);
  const copy = () => {
    navigator.clipboard?.writeText(props.text).then(
      () => {
        setCopied(true);
        window.setTimeout(() => setCopied(false), 2000);
      },
      () => setCopied(false),
    );
  };
  return (
    <figure class="copy-block">
      <figcaption class="sr-only">{props.label}</figcaption>
      <pre>
        <code>{props.text}</code>
      </pre>
      <button type="button" class="button small" onClick={copy}>
        {copied ? 'Copied' : 'Copy'}
      </button>
    </figure>
  );
}
