/** Every identity of the template evaluated on the final values, with the arithmetic spelled out. */
import { identities } from '../grid/identities';
import type { TableTemplate } from '../grid';
import type { Check } from '../model/extraction';
import { evaluate, type Values } from '../map/solve';

function fmt(keys: string[], values: Values): string {
  return keys.map((k) => (values.get(k) ?? '?').toString()).join(' + ');
}

export function runChecks(template: TableTemplate, values: Values): Check[] {
  return identities(template).map((id) => {
    const ev = evaluate(id, values);
    const fields = [...id.lhs, ...id.rhs];
    if (ev.state === 'unknown') {
      return { id: id.id, ok: false, skipped: true, fields, detail: `not evaluable: ${ev.missing.join(', ')} missing` };
    }
    const arithmetic = `${fmt(id.lhs, values)} ${ev.state === 'holds' ? '=' : '≠'} ${fmt(id.rhs, values)}`;
    return { id: id.id, ok: ev.state === 'holds', fields, detail: `${id.label}: ${arithmetic}` };
  });
}
