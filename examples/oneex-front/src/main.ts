import { checkMrz, describe, mrzLines } from './mrz-client.ts';

// The page's wiring: the form sends the MRZ to the Back and shows the answer.

const form = document.querySelector<HTMLFormElement>('#mrz-form');
const input = document.querySelector<HTMLTextAreaElement>('#mrz');
const output = document.querySelector<HTMLOutputElement>('#result');

if (form !== null && input !== null && output !== null) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    output.value = 'Checking…';
    output.dataset.state = 'pending';
    checkMrz(mrzLines(input.value))
      .then((outcome) => {
        output.value = describe(outcome);
        output.dataset.state = outcome.kind === 'checked' && outcome.result.valid ? 'valid' : 'invalid';
      })
      .catch(() => {
        output.value = 'The verification service cannot be reached; try again.';
        output.dataset.state = 'error';
      });
  });
}
