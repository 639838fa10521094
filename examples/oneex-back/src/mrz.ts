// ICAO 9303 machine readable zone of a passport (TD3: two lines of 44 characters), and the check
// digits that protect its fields. Part 3, section 4.9: each character has a value (digits their own,
// A to Z 10 to 35, the filler `<` zero), weighted 7, 3, 1 in turn; the check digit is the sum modulo 10.

export const TD3_LINE_LENGTH = 44;
const MRZ_CHARACTERS = /^[A-Z0-9<]+$/;

export function characterValue(character: string): number {
  if (character === '<') return 0;
  const code = character.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 90) return code - 55;
  throw new RangeError(`"${character}" is not an MRZ character`);
}

export function checkDigit(field: string): number {
  const weights = [7, 3, 1];
  let sum = 0;
  for (let i = 0; i < field.length; i++) sum += characterValue(field.charAt(i)) * (weights[i % 3] ?? 1);
  return sum % 10;
}

export interface FieldCheck {
  readonly field: 'documentNumber' | 'birthDate' | 'expiryDate' | 'personalNumber' | 'composite';
  readonly expected: number;
  readonly found: string;
  readonly valid: boolean;
}

export interface MrzResult {
  readonly valid: boolean;
  readonly documentType: string;
  readonly issuingState: string;
  readonly surname: string;
  readonly givenNames: string;
  readonly documentNumber: string;
  readonly nationality: string;
  readonly birthDate: string;
  readonly sex: string;
  readonly expiryDate: string;
  readonly checks: readonly FieldCheck[];
}

export class MrzFormatError extends Error {
  override readonly name = 'MrzFormatError';
}

function check(field: FieldCheck['field'], data: string, digit: string): FieldCheck {
  const expected = checkDigit(data);
  // An optional field left empty may carry `<` as its check digit (9303 part 4, 4.2.2.2).
  const valid = digit === String(expected) || (field === 'personalNumber' && digit === '<' && expected === 0);
  return { field, expected, found: digit, valid };
}

const names = (text: string): { surname: string; givenNames: string } => {
  const [surname = '', given = ''] = text.split('<<');
  return { surname: surname.replace(/</g, ' ').trim(), givenNames: given.replace(/</g, ' ').trim() };
};

/** Reads a TD3 MRZ (two lines) and verifies its five check digits. */
export function checkTd3(lines: readonly string[]): MrzResult {
  if (lines.length !== 2) throw new MrzFormatError(`a TD3 MRZ has 2 lines, not ${lines.length}`);
  const [first, second] = lines.map((line) => line.trim().toUpperCase()) as [string, string];
  for (const [index, line] of [first, second].entries()) {
    if (line.length !== TD3_LINE_LENGTH) {
      throw new MrzFormatError(`line ${index + 1} has ${line.length} characters, not ${TD3_LINE_LENGTH}`);
    }
    if (!MRZ_CHARACTERS.test(line)) {
      throw new MrzFormatError(`line ${index + 1} holds characters other than A-Z, 0-9 and <`);
    }
  }
  const checks = [
    check('documentNumber', second.slice(0, 9), second.charAt(9)),
    check('birthDate', second.slice(13, 19), second.charAt(19)),
    check('expiryDate', second.slice(21, 27), second.charAt(27)),
    check('personalNumber', second.slice(28, 42), second.charAt(42)),
    check('composite', second.slice(0, 10) + second.slice(13, 20) + second.slice(21, 43), second.charAt(43)),
  ];
  return {
    valid: checks.every((c) => c.valid),
    documentType: first.slice(0, 2).replace(/</g, ''),
    issuingState: first.slice(2, 5).replace(/</g, ''),
    ...names(first.slice(5)),
    documentNumber: second.slice(0, 9).replace(/</g, ''),
    nationality: second.slice(10, 13).replace(/</g, ''),
    birthDate: second.slice(13, 19),
    sex: second.charAt(20),
    expiryDate: second.slice(21, 27),
    checks,
  };
}
