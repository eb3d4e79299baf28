// Entry forms of the instruments. Each form holds plain components in the wire shape
// (docs/api.md, "Scores") and reports them up; the panel previews and sends them.
// Every question and answer is a text of the `cases` namespace by instrument and item number
// (cases:form.dlqi.1 ... cases:form.poem.7): the server sends only codes and numbers.

import { useTranslation } from 'react-i18next';
import type { ScoreInstrument } from '../api/types.ts';
import {
  AREA_LABELS,
  AREA_SCORES,
  EASI_LEVELS,
  EASI_SIGNS,
  IGA_LABELS,
  PASI_SIGNS,
  REGIONS,
  bandLabel,
  emptyEasi,
  emptyPasi,
  regionLabel,
  type DlqiAnswer,
  type EasiComponents,
  type PasiComponents,
} from './scorePreview.ts';

export type Components = Record<string, unknown>;

export function emptyComponents(instrument: ScoreInstrument): Components {
  switch (instrument) {
    case 'PASI':
      return emptyPasi();
    case 'EASI':
      return emptyEasi();
    case 'IGA':
      return {};
    case 'DLQI':
      return { items: new Array<DlqiAnswer>(10).fill(null) };
    case 'POEM':
      return { items: new Array<number | null>(7).fill(null) };
    case 'ITCH_NRS':
      return {};
  }
}

interface FormProps {
  components: Components;
  onChange: (components: Components) => void;
}

export function ScoreForm({ instrument, ...props }: FormProps & { instrument: ScoreInstrument }) {
  switch (instrument) {
    case 'PASI':
      return <RegionForm kind="pasi" {...props} />;
    case 'EASI':
      return <RegionForm kind="easi" {...props} />;
    case 'IGA':
      return <IgaForm {...props} />;
    case 'DLQI':
      return <DlqiForm {...props} />;
    case 'POEM':
      return <PoemForm {...props} />;
    case 'ITCH_NRS':
      return <NrsForm {...props} />;
  }
}

function RegionForm({ kind, components, onChange }: FormProps & { kind: 'pasi' | 'easi' }) {
  const { t } = useTranslation('cases');
  const signs: readonly string[] = kind === 'pasi' ? PASI_SIGNS : EASI_SIGNS;
  const levels: readonly number[] = kind === 'pasi' ? [0, 1, 2, 3, 4] : EASI_LEVELS;
  const value = components as PasiComponents | EasiComponents;
  const set = (region: string, field: string, next: number) => {
    const current = (components[region] ?? {}) as Record<string, number>;
    onChange({ ...components, [region]: { ...current, [field]: next } });
  };
  return (
    <div className="region-form">
      {kind === 'easi' && (
        <label className="field">
          <span className="field__label">{t('form.ageGroup')}</span>
          <select
            className="field__input"
            data-testid="easi-age-group"
            value={(value as EasiComponents).ageGroup}
            onChange={(event) => onChange({ ...components, ageGroup: event.target.value })}
          >
            <option value="adult">{t('form.adult')}</option>
            <option value="child">{t('form.child')}</option>
          </select>
        </label>
      )}
      {REGIONS.map((region) => {
        const part = (value[region] ?? {}) as Record<string, number>;
        return (
          <fieldset key={region} className="region-form__region">
            <legend>{regionLabel(region)}</legend>
            <div className="region-form__grid">
              {signs.map((sign) => (
                <label key={sign} className="field field--compact">
                  <span className="field__label">{t(`sign.${sign as (typeof EASI_SIGNS)[number] | 'desquamation'}`)}</span>
                  <select
                    className="field__input"
                    data-testid={`${kind}-${region}-${sign}`}
                    value={String(part[sign] ?? 0)}
                    onChange={(event) => set(region, sign, Number(event.target.value))}
                  >
                    {levels.map((level) => (
                      <option key={level} value={String(level)}>
                        {level}
                      </option>
                    ))}
                  </select>
                </label>
              ))}
              <label className="field field--compact">
                <span className="field__label">{t('form.area')}</span>
                <select
                  className="field__input"
                  data-testid={`${kind}-${region}-area`}
                  value={String(part.area ?? 0)}
                  onChange={(event) => set(region, 'area', Number(event.target.value))}
                >
                  {AREA_SCORES.map((area) => (
                    <option key={area} value={String(area)}>
                      {area} ({AREA_LABELS[area]})
                    </option>
                  ))}
                </select>
              </label>
            </div>
          </fieldset>
        );
      })}
    </div>
  );
}

function Choices<T extends string | number>({
  name,
  legend,
  options,
  value,
  onPick,
  testId,
}: {
  name: string;
  legend: string;
  options: { value: T; label: string; key: string }[];
  value: T | null | undefined;
  onPick: (value: T) => void;
  testId: string;
}) {
  return (
    <fieldset className="choices" data-testid={testId}>
      <legend className="choices__legend">{legend}</legend>
      <div className="choices__options">
        {options.map((option) => (
          <label key={option.key} className="choice" data-testid={`${testId}-${option.key}`}>
            <input
              type="radio"
              name={name}
              checked={value === option.value}
              onChange={() => onPick(option.value)}
            />
            <span>{option.label}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

function IgaForm({ components, onChange }: FormProps) {
  const { t } = useTranslation('cases');
  const grade = typeof components.grade === 'number' ? components.grade : null;
  return (
    <Choices
      name="iga"
      legend={t('form.igaLegend')}
      testId="iga-grade"
      value={grade}
      onPick={(value) => onChange({ grade: value })}
      options={IGA_LABELS.map((label, index) => ({ value: index, key: String(index), label: t('form.igaOption', { grade: index, band: bandLabel(label) }) }))}
    />
  );
}

function NrsForm({ components, onChange }: FormProps) {
  const { t } = useTranslation('cases');
  const score = typeof components.score === 'number' ? components.score : null;
  return (
    <Choices
      name="nrs"
      legend={t('form.nrsLegend')}
      testId="nrs"
      value={score}
      onPick={(value) => onChange({ score: value })}
      options={Array.from({ length: 11 }, (_, index) => ({ value: index, key: String(index), label: String(index) }))}
    />
  );
}

// Topics of the questions, not the validated wording: that is licensed from the instruments' authors
// (DLQI: Finlay and Khan; POEM: University of Nottingham) and is shown from the licensed questionnaire
// where the clinic holds one, in English or in its published Simplified Chinese version. The Chinese
// topics here are this app's own short wording, in the published Chinese versions' terms, not their
// verbatim text.
const DLQI_ITEMS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'] as const;
const DLQI_ANSWERS = [3, 2, 1, 0] as const;

type Item7Key = 'yes' | 'no-2' | 'no-1' | 'no-0' | 'nr';

function item7Key(answer: DlqiAnswer): Item7Key | null {
  if (answer === 'notRelevant') return 'nr';
  if (typeof answer === 'object' && answer !== null) {
    return answer.prevented ? 'yes' : (`no-${answer.problem}` as Item7Key);
  }
  return null;
}

const ITEM7: { key: Item7Key; answer: DlqiAnswer }[] = [
  { key: 'yes', answer: { prevented: true } },
  { key: 'no-2', answer: { prevented: false, problem: 2 } },
  { key: 'no-1', answer: { prevented: false, problem: 1 } },
  { key: 'no-0', answer: { prevented: false, problem: 0 } },
  { key: 'nr', answer: 'notRelevant' },
];

function DlqiForm({ components, onChange }: FormProps) {
  const { t } = useTranslation('cases');
  const items = (Array.isArray(components.items) ? components.items : new Array(10).fill(null)) as DlqiAnswer[];
  const set = (index: number, answer: DlqiAnswer) => {
    const next = [...items];
    next[index] = answer;
    onChange({ items: next });
  };
  return (
    <div className="questionnaire">
      <p className="hint">{t('form.dlqiHint')}</p>
      <p className="hint" data-testid="instrument-wording">{t('form.instrumentWording')}</p>
      {DLQI_ITEMS.map((item, index) => {
        const number = index + 1;
        const topic = t(`form.dlqi.${item}`);
        if (number === 7) {
          const current = item7Key(items[6] ?? null);
          return (
            <Choices<Item7Key>
              key={number}
              name="dlqi-7"
              legend={`7. ${topic}?`}
              testId="dlqi-7"
              value={current}
              onPick={(key) => set(6, ITEM7.find((option) => option.key === key)!.answer)}
              options={ITEM7.map((option) => ({ value: option.key, key: option.key, label: t(`form.dlqiItem7.${option.key}`) }))}
            />
          );
        }
        const options: { value: number | 'notRelevant'; key: string; label: string }[] = DLQI_ANSWERS.map((value) => ({
          value,
          key: String(value),
          label: t(`form.dlqiAnswer.${value}`),
        }));
        if (number >= 3) options.push({ value: 'notRelevant', key: 'nr', label: t('form.notRelevant') });
        const answer = items[index];
        return (
          <Choices<number | 'notRelevant'>
            key={number}
            name={`dlqi-${number}`}
            legend={`${number}. ${topic}`}
            testId={`dlqi-${number}`}
            value={typeof answer === 'number' || answer === 'notRelevant' ? answer : null}
            onPick={(value) => set(index, value)}
            options={options}
          />
        );
      })}
    </div>
  );
}

const POEM_ITEMS = ['1', '2', '3', '4', '5', '6', '7'] as const;
const POEM_ANSWERS = [0, 1, 2, 3, 4] as const;

function PoemForm({ components, onChange }: FormProps) {
  const { t } = useTranslation('cases');
  const items = (Array.isArray(components.items) ? components.items : new Array(7).fill(null)) as (number | null)[];
  return (
    <div className="questionnaire">
      <p className="hint">{t('form.poemHint')}</p>
      <p className="hint" data-testid="instrument-wording">{t('form.instrumentWording')}</p>
      {POEM_ITEMS.map((item, index) => (
        <Choices
          key={item}
          name={`poem-${index + 1}`}
          legend={`${index + 1}. ${t(`form.poem.${item}`)}`}
          testId={`poem-${index + 1}`}
          value={items[index] ?? null}
          onPick={(value) => {
            const next = [...items];
            next[index] = value;
            onChange({ items: next });
          }}
          options={POEM_ANSWERS.map((value) => ({ value, key: String(value), label: t(`form.poemAnswer.${value}`) }))}
        />
      ))}
    </div>
  );
}
