/**
 * `POST /submit` body validation with FastAPI/pydantic-v2-style 422 errors:
 * `{"detail":[{"type","loc":["body",field],"msg","input","ctx"?}]}`, every
 * bad field listed at once.
 */

export interface ValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

export interface SubmitBody {
  sender_account: string;
  receiver_account: string;
  amount: number;
  memo: string | null;
}

export type SubmitValidation = { ok: true; value: SubmitBody } | { ok: false; detail: ValidationIssue[] };

export const MEMO_MAX_LENGTH = 255;

/** A body that could not be parsed as JSON (or was not JSON), kept for the 422 answer. */
export class UnparsedBody {
  constructor(
    readonly raw: string,
    /** JSON.parse's message when the body claimed to be JSON; undefined for other content types. */
    readonly jsonError: string | undefined,
  ) {}
}

/** The 422 detail for an unparseable body, as FastAPI words it. */
export function unparsedBodyIssue(body: UnparsedBody): ValidationIssue {
  if (body.jsonError === undefined) {
    return {
      type: 'model_attributes_type',
      loc: ['body'],
      msg: 'Input should be a valid dictionary or object to extract fields from',
      input: body.raw,
    };
  }
  const position = /position (\d+)/.exec(body.jsonError)?.[1];
  return {
    type: 'json_invalid',
    loc: ['body', position === undefined ? 0 : Number(position)],
    msg: 'JSON decode error',
    input: {},
    ctx: { error: body.jsonError },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkAccount(body: Record<string, unknown>, field: string, issues: ValidationIssue[]): string {
  const value = body[field];
  const loc = ['body', field];
  if (value === undefined) {
    issues.push({ type: 'missing', loc, msg: 'Field required', input: body });
  } else if (typeof value !== 'string') {
    issues.push({ type: 'string_type', loc, msg: 'Input should be a valid string', input: value });
  } else if (value.length === 0) {
    issues.push({
      type: 'string_too_short',
      loc,
      msg: 'String should have at least 1 character',
      input: value,
      ctx: { min_length: 1 },
    });
  } else {
    return value;
  }
  return '';
}

function checkAmount(body: Record<string, unknown>, issues: ValidationIssue[]): number {
  const value = body.amount;
  const loc = ['body', 'amount'];
  if (value === undefined) {
    issues.push({ type: 'missing', loc, msg: 'Field required', input: body });
  } else if (typeof value !== 'number') {
    issues.push({ type: 'float_type', loc, msg: 'Input should be a valid number', input: value });
  } else if (!Number.isFinite(value)) {
    issues.push({ type: 'finite_number', loc, msg: 'Input should be a finite number', input: value });
  } else if (!(value > 0)) {
    issues.push({ type: 'greater_than', loc, msg: 'Input should be greater than 0', input: value, ctx: { gt: 0 } });
  } else {
    return value;
  }
  return 0;
}

function checkMemo(body: Record<string, unknown>, issues: ValidationIssue[]): string | null {
  const value = body.memo;
  const loc = ['body', 'memo'];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') {
    issues.push({ type: 'string_type', loc, msg: 'Input should be a valid string', input: value });
    return null;
  }
  // Python counts code points, not UTF-16 units.
  if (value.length > MEMO_MAX_LENGTH && [...value].length > MEMO_MAX_LENGTH) {
    issues.push({
      type: 'string_too_long',
      loc,
      msg: `String should have at most ${MEMO_MAX_LENGTH} characters`,
      input: value,
      ctx: { max_length: MEMO_MAX_LENGTH },
    });
    return null;
  }
  return value;
}

/** Validates a parsed `POST /submit` body. Unknown fields are ignored, as FastAPI does. */
export function validateSubmit(body: unknown): SubmitValidation {
  if (body instanceof UnparsedBody) return { ok: false, detail: [unparsedBodyIssue(body)] };
  if (body === undefined) {
    return { ok: false, detail: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }] };
  }
  if (!isRecord(body)) {
    return {
      ok: false,
      detail: [
        {
          type: 'model_attributes_type',
          loc: ['body'],
          msg: 'Input should be a valid dictionary or object to extract fields from',
          input: body,
        },
      ],
    };
  }
  const issues: ValidationIssue[] = [];
  const value: SubmitBody = {
    sender_account: checkAccount(body, 'sender_account', issues),
    receiver_account: checkAccount(body, 'receiver_account', issues),
    amount: checkAmount(body, issues),
    memo: checkMemo(body, issues),
  };
  return issues.length === 0 ? { ok: true, value } : { ok: false, detail: issues };
}
