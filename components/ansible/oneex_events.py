# Ansible callback plugin of the Oneex `ansible` component. It writes one JSON object per line to the
# file named by ONEEX_ANSIBLE_EVENTS: each task result per host, and the final stats. The component
# builds the per-host recap, the JUnit report and its error messages from these events, so it never
# parses Ansible's human output. It is an aggregate callback: the usual stdout callback still prints.
#
# Results arrive here already censored for `no_log` tasks; the component redacts known secrets again
# before anything reaches the log or an artifact.

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
name: oneex_events
type: aggregate
short_description: Task results as JSON lines, for the Oneex CI component
description:
  - Writes each task result and the play stats to the file named by C(ONEEX_ANSIBLE_EVENTS).
requirements:
  - enabled in callbacks_enabled
'''

# Enough of a failure to explain it; whole module results can be large.
MAX_TEXT = 4000


def _text(value):
    if value is None:
        return ''
    if isinstance(value, (list, tuple)):
        value = '\n'.join(str(item) for item in value)
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + '…'


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'oneex_events'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        path = os.environ.get('ONEEX_ANSIBLE_EVENTS')
        self._out = open(path, 'a', encoding='utf-8') if path else None
        self._play = ''
        self._started = {}

    def _emit(self, **event):
        if self._out is None:
            return
        self._out.write(json.dumps(event, default=str, ensure_ascii=False) + '\n')
        self._out.flush()

    def v2_playbook_on_play_start(self, play):
        self._play = play.get_name().strip()

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._started[task._uuid] = time.time()

    def v2_playbook_on_handler_task_start(self, task):
        self._started[task._uuid] = time.time()

    def _result(self, status, result, ignored=False):
        task = result._task
        res = result._result if isinstance(result._result, dict) else {}
        started = self._started.get(task._uuid, time.time())
        self._emit(
            event='result',
            status=status,
            host=result._host.get_name(),
            task=task.get_name().strip(),
            action=task.action,
            play=self._play,
            ignored=bool(ignored),
            duration=round(time.time() - started, 3),
            msg=_text(res.get('msg')),
            stderr=_text(res.get('stderr') or res.get('module_stderr')),
            rc=res.get('rc'),
        )

    def v2_runner_on_ok(self, result):
        self._result('changed' if result._result.get('changed', False) else 'ok', result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result('failed', result, ignored=ignore_errors)

    def v2_runner_on_unreachable(self, result):
        self._result('unreachable', result)

    def v2_runner_on_skipped(self, result):
        self._result('skipped', result)

    def v2_runner_on_async_failed(self, result):
        self._result('failed', result)

    def v2_playbook_on_stats(self, stats):
        hosts = {}
        for host in sorted(stats.processed.keys()):
            summary = stats.summarize(host)
            hosts[host] = {
                'ok': summary.get('ok', 0),
                'changed': summary.get('changed', 0),
                'failed': summary.get('failures', 0),
                'unreachable': summary.get('unreachable', 0),
                'skipped': summary.get('skipped', 0),
                'rescued': summary.get('rescued', 0),
                'ignored': summary.get('ignored', 0),
            }
        self._emit(event='stats', hosts=hosts)
        if self._out is not None:
            self._out.close()
            self._out = None
