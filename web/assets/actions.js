// Actions on a version: stage transitions (promote, roll back, archive) and aliases. The
// server decides; its refusals (the promotion gate, a quarantined artifact, failed parity)
// are shown as it wrote them.
import { api, get, modelPath, versionPath } from './api.js';
import { badge, clear, errorBox, h, section, uid } from './dom.js';

const TRANSITIONS = {
  none: [['production', 'Promote to production'], ['staging', 'Move to staging'], ['archived', 'Archive']],
  staging: [['production', 'Promote to production'], ['archived', 'Archive'], ['none', 'Back to no stage']],
  production: [['staging', 'Move to staging'], ['archived', 'Archive']],
  archived: [['production', 'Roll back to this version'], ['staging', 'Move to staging']],
};

export async function actionsPanel(v, ctx) {
  const id = uid('act');
  const out = h('div', { class: 'action-out', 'aria-live': 'polite' });
  const comment = h('input', { id: id + '-comment', placeholder: 'why (kept in the audit log)' });
  const force = h('input', { id: id + '-force', type: 'checkbox' });
  const keepPrev = h('input', { id: id + '-keep', type: 'checkbox' });

  const act = async (label, fn) => {
    clear(out).append(h('p', { class: 'muted' }, label + '…'));
    try {
      await fn();
      await ctx.refresh();
    } catch (e) {
      clear(out).append(errorBox(e));
    }
  };
  const transition = (target, number = v.version) => act('Moving to ' + target, () =>
    api('POST', versionPath(v.model, number) + '/stage', {
      stage: target, comment: comment.value || undefined, force: force.checked || undefined,
      archive_previous: keepPrev.checked ? false : undefined,
    }));

  const buttons = (v.state === 'sealed' ? TRANSITIONS[v.stage] || [] : []).map(([target, label]) =>
    h('button', { type: 'button', class: target === 'production' ? 'primary' : '', 'data-stage-to': target,
      onclick: () => transition(target) }, label));

  // On the production holder: one button back to the version that held it before.
  if (v.stage === 'production') {
    const hist = await get(modelPath(v.model) + '/history?stage=production');
    const mine = hist.timeline.findIndex((i) => i.version === v.version && !i.until);
    const prev = mine > 0 ? hist.timeline[mine - 1].version : null;
    if (prev !== null && prev !== v.version) {
      buttons.push(h('button', { type: 'button', 'data-rollback': prev, onclick: () => transition('production', prev) },
        'Roll back to v' + prev));
    }
  }

  const aliasInput = h('input', { id: id + '-alias', placeholder: 'champion', spellcheck: 'false' });
  const aliasForm = h('form', { class: 'row' },
    h('label', { for: id + '-alias' }, 'Point an alias here'), aliasInput,
    h('button', { type: 'submit' }, 'Set alias'));
  aliasForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = aliasInput.value.trim();
    act('Setting @' + name, () => api('PUT', modelPath(v.model) + '/aliases/' + encodeURIComponent(name), { version: v.version }));
  });
  const aliases = (v.aliases || []).map((a) => h('li', null, badge('@' + a, 'alias'), ' ',
    h('button', { type: 'button', class: 'small', 'aria-label': 'Remove alias ' + a,
      onclick: () => act('Removing @' + a, () => api('DELETE', modelPath(v.model) + '/aliases/' + encodeURIComponent(a))) }, 'Remove')));

  return section('Actions',
    buttons.length ? h('div', { class: 'row wrap' }, buttons) : h('p', { class: 'muted' }, 'No stage change applies to a ' + v.state + ' version.'),
    h('div', { class: 'row wrap' },
      h('label', { for: id + '-comment' }, 'Comment'), comment,
      h('span', null, force, h('label', { for: id + '-force' }, ' Force past the promotion gate (admin; audited)')),
      h('span', null, keepPrev, h('label', { for: id + '-keep' }, ' Keep the previous production version in staging'))),
    aliases.length ? h('ul', { class: 'aliases' }, aliases) : null,
    aliasForm,
    out);
}
