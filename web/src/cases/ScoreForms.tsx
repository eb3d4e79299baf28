// Entry forms of the instruments. Each form holds plain components in the wire shape
// (docs/api.md, "Scores") and reports them up; the panel previews and sends them.

import type { ScoreInstrument } from '../api/types.ts';
import {
  AREA_LABELS,
  AREA_SCORES,
  EASI_LEVELS,
  EASI_SIGNS,
  IGA_LABELS,
  PASI_SIGNS,
  REGION_LABELS,
  REGIONS,
  bandLabel,
  emptyEasi,
  emptyPasi,
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

const SIGN_LABELS: Record<string, string> = {
  erythema: 'Redness (erythema)',
  induration: 'Thickness (induration)',
  desquamation: 'Scaling (desquamation)',
  excoriation: 'Scratching (excoriation)',
  lichenification: 'Lichenification',
};

function RegionForm({ kind, components, onChange }: FormProps & { kind: 'pasi' | 'easi' }) {
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
          <span className="field__label">Age group</span>
          <select
            className="field__input"
            data-testid="easi-age-group"
            value={(value as EasiComponents).ageGroup}
            onChange={(event) => onChange({ ...components, ageGroup: event.target.value })}
          >
            <option value="adult">8 years or older</option>
            <option value="child">0-7 years</option>
          </select>
        </label>
      )}
      {REGIONS.map((region) => {
        const part = (value[region] ?? {}) as Record<string, number>;
        return (
          <fieldset key={region} className="region-form__region">
            <legend>{REGION_LABELS[region]}</legend>
            <div className="region-form__grid">
              {signs.map((sign) => (
                <label key={sign} className="field field--compact">
                  <span className="field__label">{SIGN_LABELS[sign] ?? sign}</span>
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
                <span className="field__label">Area involved</span>
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
  const grade = typeof components.grade === 'number' ? components.grade : null;
  return (
    <Choices
      name="iga"
      legend="Overall severity"
      testId="iga-grade"
      value={grade}
      onPick={(value) => onChange({ grade: value })}
      options={IGA_LABELS.map((label, index) => ({ value: index, key: String(index), label: `${index} · ${bandLabel(label)}` }))}
    />
  );
}

function NrsForm({ components, onChange }: FormProps) {
  const score = typeof components.score === 'number' ? components.score : null;
  return (
    <Choices
      name="nrs"
      legend="How bad was your itch at its worst in the last 24 hours? (0 = no itch, 10 = worst imaginable)"
      testId="nrs"
      value={score}
      onPick={(value) => onChange({ score: value })}
      options={Array.from({ length: 11 }, (_, index) => ({ value: index, key: String(index), label: String(index) }))}
    />
  );
}

// Topics of the questions (the validated wording is licensed from the instruments' authors and is
// shown from the licensed questionnaire where the clinic holds one).
const DLQI_TOPICS = [
  'Itchy, sore, painful or stinging skin',
  'Embarrassed or self-conscious because of your skin',
  'Skin got in the way of shopping or looking after home or garden',
  'Skin influenced the clothes you wore',
  'Skin affected social or leisure activities',
  'Skin made it difficult to do any sport',
  'Skin prevented you from working or studying',
  'Skin caused problems with partner, close friends or relatives',
  'Skin caused sexual difficulties',
  'Treatment for your skin was a problem (mess, time)',
];

const DLQI_ANSWERS = [
  { value: 3, key: '3', label: 'Very much' },
  { value: 2, key: '2', label: 'A lot' },
  { value: 1, key: '1', label: 'A little' },
  { value: 0, key: '0', label: 'Not at all' },
];

type Item7Key = 'yes' | 'no-2' | 'no-1' | 'no-0' | 'nr';

function item7Key(answer: DlqiAnswer): Item7Key | null {
  if (answer === 'notRelevant') return 'nr';
  if (typeof answer === 'object' && answer !== null) {
    return answer.prevented ? 'yes' : (`no-${answer.problem}` as Item7Key);
  }
  return null;
}

const ITEM7: { key: Item7Key; label: string; answer: DlqiAnswer }[] = [
  { key: 'yes', label: 'Yes', answer: { prevented: true } },
  { key: 'no-2', label: 'No, but a lot of problem at work or study', answer: { prevented: false, problem: 2 } },
  { key: 'no-1', label: 'No, but a little problem', answer: { prevented: false, problem: 1 } },
  { key: 'no-0', label: 'No, no problem at all', answer: { prevented: false, problem: 0 } },
  { key: 'nr', label: 'Not relevant', answer: 'notRelevant' },
];

function DlqiForm({ components, onChange }: FormProps) {
  const items = (Array.isArray(components.items) ? components.items : new Array(10).fill(null)) as DlqiAnswer[];
  const set = (index: number, answer: DlqiAnswer) => {
    const next = [...items];
    next[index] = answer;
    onChange({ items: next });
  };
  return (
    <div className="questionnaire">
      <p className="hint">Over the last week… (one question may be left unanswered)</p>
      {DLQI_TOPICS.map((topic, index) => {
        const number = index + 1;
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
              options={ITEM7.map((option) => ({ value: option.key, key: option.key, label: option.label }))}
            />
          );
        }
        const options: { value: number | 'notRelevant'; key: string; label: string }[] = [...DLQI_ANSWERS];
        if (number >= 3) options.push({ value: 'notRelevant', key: 'nr', label: 'Not relevant' });
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

const POEM_TOPICS = [
  'Itchy skin',
  'Sleep disturbed because of your eczema',
  'Skin bleeding',
  'Skin weeping or oozing clear fluid',
  'Skin cracked',
  'Skin flaking off',
  'Skin feeling dry or rough',
];

const POEM_ANSWERS = [
  { value: 0, key: '0', label: 'No days' },
  { value: 1, key: '1', label: '1-2 days' },
  { value: 2, key: '2', label: '3-4 days' },
  { value: 3, key: '3', label: '5-6 days' },
  { value: 4, key: '4', label: 'Every day' },
];

function PoemForm({ components, onChange }: FormProps) {
  const items = (Array.isArray(components.items) ? components.items : new Array(7).fill(null)) as (number | null)[];
  return (
    <div className="questionnaire">
      <p className="hint">Over the last week, on how many days… (one question may be left unanswered)</p>
      {POEM_TOPICS.map((topic, index) => (
        <Choices
          key={topic}
          name={`poem-${index + 1}`}
          legend={`${index + 1}. ${topic}`}
          testId={`poem-${index + 1}`}
          value={items[index] ?? null}
          onPick={(value) => {
            const next = [...items];
            next[index] = value;
            onChange({ items: next });
          }}
          options={POEM_ANSWERS}
        />
      ))}
    </div>
  );
}
