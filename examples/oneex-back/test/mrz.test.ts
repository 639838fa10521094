import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkDigit, checkTd3, MrzFormatError } from '../src/mrz.ts';

// The specimen of ICAO 9303 part 4, appendix A.
const SPECIMEN = [
  'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<',
  'L898902C36UTO7408122F1204159ZE184226B<<<<<10',
];

describe('checkDigit', () => {
  it('weights 7, 3, 1 and counts letters from 10', () => {
    assert.equal(checkDigit('L898902C3'), 6);
    assert.equal(checkDigit('740812'), 2);
    assert.equal(checkDigit('<<<<<<'), 0);
  });

  it('refuses characters outside the MRZ set', () => {
    assert.throws(() => checkDigit('ab'), RangeError);
  });
});

describe('checkTd3', () => {
  it('accepts the ICAO specimen and reads its fields', () => {
    const result = checkTd3(SPECIMEN);
    assert.equal(result.valid, true);
    assert.equal(result.surname, 'ERIKSSON');
    assert.equal(result.givenNames, 'ANNA MARIA');
    assert.equal(result.documentNumber, 'L898902C3');
    assert.equal(result.nationality, 'UTO');
    assert.equal(result.expiryDate, '120415');
  });

  it('names the field whose check digit is wrong', () => {
    const tampered = [SPECIMEN[0] as string, (SPECIMEN[1] as string).replace('7408122', '7408132')];
    const result = checkTd3(tampered);
    assert.equal(result.valid, false);
    assert.deepEqual(
      result.checks.filter((c) => !c.valid).map((c) => c.field),
      ['birthDate', 'composite'],
    );
  });

  it('refuses lines of the wrong length or alphabet', () => {
    assert.throws(() => checkTd3([SPECIMEN[0] as string]), MrzFormatError);
    assert.throws(() => checkTd3([SPECIMEN[0] as string, 'L898902C36']), /44/);
    assert.throws(() => checkTd3([SPECIMEN[0] as string, (SPECIMEN[1] as string).replace('L', 'é')]), /A-Z/);
  });
});
