import { useEffect, useState } from 'preact/hooks';
import { type Observation, type Preview, previewRule, type RuleInput } from '../api/alerts.ts';
import { messageOf } from '../api/client.ts';
import { formatValue } from './alert-text.ts';
import { Link } from './link.tsx';
import { Notice } from './notice.tsx';

const STATE_TEXT: Readonly<Record<Observation['state'], string>> = {
  breaching: 'Would fire',
  between: 'Between (a firing alert stays)',
  ok: 'OK',
  nodata: 'No data',
};

/**
 * What the rule in the form matches right now (POST /api/v1/alerts/rules/preview): every host and
 * series with its reduced value and whether it would fire. Runs 600 ms after the form last changed.
 */
export function RulePreview(props: { readonly input: RuleInput | undefined; readonly problem?: string }) {
  const { input } = props;
  const [preview, setPreview] = useState<Preview | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const body = input ? JSON.stringify(input) : '';

  useEffect(() => {
    if (!input) return undefined;
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      setLoading(true);
      previewRule(input, controller.signal).then(
        (p) => {
          setPreview(p);
          setError(undefined);
          setLoading(false);
        },
        (err: unknown) => {
          if (controller.signal.aborted) return;
          setError(messageOf(err));
          setLoading(false);
        },
      );
    }, 600);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [body]);

  const rows = preview?.matches ?? [];
  const firing = rows.filter((o) => o.state === 'breaching').length;
  return (
    <section class="card rule-preview" aria-labelledby="preview-title" aria-busy={loading}>
      <h2 id="preview-title">Preview</h2>
      {error && <Notice kind="error">Preview failed: {error}</Notice>}
      {!preview && !error && (
        <p class="muted">
          {input
            ? 'Reading the matching series…'
            : `Fill in the rule${props.problem ? ` (${props.problem})` : ''}.`}
        </p>
      )}
      {preview && (
        <p class="muted" aria-live="polite" data-preview-summary>
          {rows.length === 0
            ? 'Matches no series right now.'
            : `${rows.length}${preview.truncated ? '+' : ''} series matched, ${firing} would fire now.`}
        </p>
      )}
      {rows.length > 0 && (
        <div class="table-wrap">
          <table class="preview">
            <thead>
              <tr>
                <th scope="col">Host</th>
                <th scope="col">Series</th>
                <th scope="col">Value</th>
                <th scope="col">Now</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((o) => (
                <tr key={o.instance} data-instance={o.instance} data-state={o.state}>
                  <td>
                    <Link href={`/hosts/${encodeURIComponent(o.host)}`}>{o.host}</Link>
                  </td>
                  <td>
                    <code>{o.series ?? '(host)'}</code>
                  </td>
                  <td class="num">{formatValue(o.value)}</td>
                  <td>
                    <span class={`badge preview-${o.state}`}>{STATE_TEXT[o.state]}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
