import type { Action } from '../../src/model/component.ts';
import type { inputs } from './component.ts';
import { runPlaybook } from './run.ts';

const action: Action<typeof inputs> = (parsed, context) => runPlaybook('apply', parsed, context);

export default action;
