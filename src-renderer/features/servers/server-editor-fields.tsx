/**
 * The server editor's controls: a labelled row per field showing the option
 * it writes, a hint, and its errors (aria-invalid, aria-describedby), for
 * text, choices, switches and secrets. Secret inputs are uncontrolled: a typed
 * password lives in the draft only, never in a DOM attribute.
 */
import type { ChangeEvent, ReactNode } from 'react';
import type { FieldError, ServerFormField } from '../../../shared/domain/server-editor';

export function fieldId(field: ServerFormField | string): string {
  return `editor-${field}`;
}

interface RowProps {
  field: ServerFormField;
  /** the control's own id when it is not the field's (one field, several controls) */
  controlId?: string;
  label: string;
  option?: string;
  hint?: ReactNode;
  errors: readonly FieldError[];
  children: (aria: { 'aria-describedby'?: string; 'aria-invalid'?: true }) => ReactNode;
}

/** Label, control, hint and errors of one field. */
export function FieldRow({ field, controlId, label, option, hint, errors, children }: RowProps) {
  const id = controlId ?? fieldId(field);
  const described = [hint === undefined ? null : `${id}-hint`, errors.length === 0 ? null : `${id}-error`].filter((part) => part !== null).join(' ');
  return (
    <div className={`editor-field${errors.length > 0 ? ' editor-field-invalid' : ''}`} data-field={field}>
      <label htmlFor={id} className="editor-label">
        <span>{label}</span>
        {option !== undefined && <code className="editor-option">{option}</code>}
      </label>
      <div className="editor-control">
        {children({ ...(described === '' ? {} : { 'aria-describedby': described }), ...(errors.length > 0 ? { 'aria-invalid': true } : {}) })}
        {hint !== undefined && <p className="editor-hint" id={`${id}-hint`}>{hint}</p>}
        <FieldErrors id={`${id}-error`} errors={errors} testId={`field-error-${field}`} />
      </div>
    </div>
  );
}

export function FieldErrors({ id, errors, testId }: { id: string; errors: readonly FieldError[]; testId: string }) {
  if (errors.length === 0) return null;
  return (
    <div className="field-error" id={id} data-testid={testId}>
      {errors.map((error, index) => (
        <p key={index}>
          <span className="field-error-message">{error.message}</span>
          {error.hint !== null && <span className="hint"> {error.hint}</span>}
        </p>
      ))}
    </div>
  );
}

interface TextProps {
  field: ServerFormField;
  label: string;
  option?: string;
  hint?: ReactNode;
  errors: readonly FieldError[];
  value: string;
  onChange: (value: string) => void;
  mono?: boolean;
  placeholder?: string;
  readOnly?: boolean;
  inputMode?: 'numeric' | 'text';
  controlId?: string;
  autoComplete?: string;
}

export function TextField({ value, onChange, mono, placeholder, readOnly, inputMode, autoComplete, ...row }: TextProps) {
  const id = row.controlId ?? fieldId(row.field);
  return (
    <FieldRow {...row}>
      {(aria) => (
        <input
          id={id}
          type="text"
          className={`input${mono === true ? ' mono' : ''}`}
          value={value}
          onChange={(event: ChangeEvent<HTMLInputElement>) => onChange(event.target.value)}
          placeholder={placeholder}
          readOnly={readOnly}
          inputMode={inputMode}
          spellCheck={false}
          autoComplete={autoComplete ?? 'off'}
          data-testid={`editor-input-${id.slice('editor-'.length)}`}
          {...aria}
        />
      )}
    </FieldRow>
  );
}

interface SelectProps<V extends string> {
  field: ServerFormField;
  label: string;
  option?: string;
  hint?: ReactNode;
  errors: readonly FieldError[];
  value: V;
  choices: ReadonlyArray<readonly [V, string]>;
  onChange: (value: V) => void;
}

export function SelectField<V extends string>({ value, choices, onChange, ...row }: SelectProps<V>) {
  return (
    <FieldRow {...row}>
      {(aria) => (
        <select
          id={fieldId(row.field)}
          className="input select"
          value={value}
          onChange={(event) => onChange(event.target.value as V)}
          data-testid={`editor-input-${row.field}`}
          {...aria}
        >
          {choices.map(([choice, label]) => (
            <option key={choice} value={choice}>
              {label}
            </option>
          ))}
        </select>
      )}
    </FieldRow>
  );
}

interface CheckProps {
  field: ServerFormField;
  label: string;
  option: string;
  hint?: ReactNode;
  errors: readonly FieldError[];
  checked: boolean;
  onChange: (checked: boolean) => void;
  text: string;
}

export function CheckField({ checked, onChange, text, ...row }: CheckProps) {
  return (
    <FieldRow {...row}>
      {(aria) => (
        <span className="editor-check">
          <input id={fieldId(row.field)} type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} data-testid={`editor-input-${row.field}`} {...aria} />
          <span aria-hidden="true">{text}</span>
        </span>
      )}
    </FieldRow>
  );
}

interface SecretProps {
  field: 'password' | 'sshKeyPassphrase';
  label: string;
  hint: ReactNode;
  errors: readonly FieldError[];
  stored: boolean;
  forget: boolean;
  onType: (value: string) => void;
  onForget: (forget: boolean) => void;
  forgetText: string;
}

/** A secret: typed into an uncontrolled input; when one is stored, the editor says so and offers to forget it. */
export function SecretField({ stored, forget, onType, onForget, forgetText, ...row }: SecretProps) {
  const id = fieldId(row.field);
  return (
    <FieldRow {...row}>
      {(aria) => (
        <>
          <input
            id={id}
            type="password"
            className="input mono"
            onChange={(event) => onType(event.target.value)}
            placeholder={stored ? 'stored — type to replace it' : 'none stored'}
            autoComplete="new-password"
            spellCheck={false}
            data-testid={`editor-input-${row.field}`}
            {...aria}
          />
          {stored && (
            <span className="editor-secret-state" data-testid={`editor-${row.field}-stored`}>
              <span className="secret-mark" aria-hidden="true">●</span> stored outside the configuration
              <label className="editor-check editor-forget">
                <input type="checkbox" checked={forget} onChange={(event) => onForget(event.target.checked)} data-testid={`editor-forget-${row.field}`} />
                <span>{forgetText}</span>
              </label>
            </span>
          )}
        </>
      )}
    </FieldRow>
  );
}
