// The status window: the place a user looks when the tray turns red. Wires window.mountStatus (exposed by
// the preload) to the store, the list, the filter box, the Recheck buttons, the Disconnect and Copy command
// buttons of mounts that do not answer and the live region.
//
// The snapshot is asked for until it comes (the monitor may still be starting, or the helper restarting), and asked for again whenever the app's connection to its monitor comes back, so the window
// never stays on "Cannot reach the monitor" while the tray has long recovered.
import type { Connection, MountStatusApi } from '../common/status-api.js';
import type { MonitorIdentity, RecheckResult } from '../common/monitor-api.js';
import type { DisconnectResult, RecoveryAdvice } from '../common/recovery.js';
import { omittedInWords } from '../common/status-view/cut-words.js';
import { MountStore, type StateChange } from '../common/status-view/mount-store.js';
import { groupMounts, homeMountOf } from '../common/status-view/ordering.js';
import { matchesFilter } from '../common/status-view/filter.js';
import { durationInWords } from '../common/status-view/durations.js';
import { problemInWords, STATE_LABEL } from '../common/status-view/problem-words.js';
import { MountListView } from './mount-list-view.js';
import { rowKey } from './mount-row.js';
import { installListKeys } from './keyboard-nav.js';
import { installThemeToggle } from './theme.js';
import { displayText } from '../common/status-view/display-text.js';
import { h, setText } from './dom.js';
import { isDead, isFailing } from '../common/state-classes.js';

declare global {
  interface Window {
    mountStatus?: MountStatusApi;
  }
}

const TICK_MS = 1000;
/** Snapshot retries: 1 s, doubling, at most every 10 s. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 10_000;
/** A failed request for the recovery advice is made again after this long. */
const ADVICE_RETRY_MS = 5000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html lacks #${id}`);
  return el as T;
}

function identityInWords(identity: MonitorIdentity | undefined): string {
  if (!identity) return '';
  const who = identity.mode === 'system' ? 'system helper' : identity.mode === 'user' ? 'your own helper' : 'the app itself';
  return `checked by ${who} (pid ${identity.pid}, v${identity.version}${identity.privileged ? '' : ', unprivileged'})`;
}

export class StatusWindow {
  private readonly store = new MountStore();
  private readonly view: MountListView;
  private readonly busy = new Set<string>();
  private readonly disconnecting = new Set<string>();
  /** What can be done for each mount not answering, by row key (mountId:mountpoint), as main last said. */
  private advice = new Map<string, RecoveryAdvice>();
  /** The not-answering mounts (and their states) the advice was last asked for. */
  private adviceAsked = '';
  private adviceLoop: Promise<void> | undefined;
  private homeDirectory: string | undefined;
  private query = '';
  private renderQueued = false;
  private readonly els = {
    summary: byId('summary'),
    filter: byId<HTMLInputElement>('filter'),
    recheckAll: byId<HTMLButtonElement>('recheck-all'),
    list: byId('mounts'),
    empty: byId('empty'),
    announcer: byId('announcer'),
    notice: byId('notice'),
    appNotice: byId('app-notice'),
    appNoticeText: byId('app-notice-text'),
    quit: byId<HTMLButtonElement>('quit'),
    connection: byId('connection'),
  };
  private connected: Connection['state'] | undefined;
  private loading: Promise<void> | undefined;
  private ticking = false;

  constructor(
    private readonly api: MountStatusApi,
    private readonly now: () => number = Date.now,
  ) {
    this.view = new MountListView(this.els.list, this.store.history);
  }

  async start(): Promise<void> {
    // Subscribe before asking for the snapshot: the store queues what arrives in between.
    this.api.onChange((event) => {
      const change = this.store.apply(event);
      if (change) this.announce(change);
      this.scheduleRender();
    });
    this.els.filter.addEventListener('input', () => {
      this.query = this.els.filter.value;
      this.render();
    });
    this.els.filter.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.els.filter.value !== '') {
        this.els.filter.value = '';
        this.query = '';
        this.render();
      } else if (e.key === 'ArrowDown') {
        e.preventDefault();
        this.view.focusFirst();
      }
    });
    this.els.recheckAll.addEventListener('click', () => void this.recheck(undefined));
    this.els.list.addEventListener('click', (e) => {
      const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
      const row = button?.closest<HTMLElement>('li.mount');
      const mountpoint = row?.dataset.mountpoint;
      if (!button || mountpoint === undefined) return;
      if (button.dataset.action === 'recheck') void this.recheck(mountpoint);
      else if (button.dataset.action === 'disconnect') void this.disconnect(mountpoint);
      else if (button.dataset.action === 'copy-command') void this.copyCommand(row!.dataset.key ?? '');
    });
    installListKeys(this.els.list, {
      onActivate: (mountpoint) => void this.recheck(mountpoint),
      onMove: (from, move) => this.view.move(from, move),
      onCurrent: (key) => this.view.setCurrent(key),
    });
    installThemeToggle(byId<HTMLButtonElement>('theme'));
    document.addEventListener('keydown', (e) => {
      // "/" jumps to the filter box, as in many list UIs, unless the user is typing somewhere.
      if (e.key === '/' && !(e.target instanceof HTMLInputElement)) {
        e.preventDefault();
        this.els.filter.focus();
      }
    });

    this.els.quit.addEventListener('click', () => void this.api.quit().catch(() => undefined));
    void this.api.appNotice().then(
      (text) => {
        if (!text) return;
        setText(this.els.appNoticeText, text);
        this.els.appNotice.hidden = false;
      },
      () => undefined,
    );
    this.api.onConnection((c) => this.onConnection(c));

    this.homeDirectory = await this.api.homeDirectory().catch(() => undefined);
    await this.load();
  }

  /** Asks for the snapshot until it comes; one loop at a time. */
  private load(): Promise<void> {
    this.loading ??= (async () => {
      for (let delay = RETRY_FIRST_MS; ; delay = Math.min(delay * 2, RETRY_MAX_MS)) {
        try {
          // User timing marks (cheap): npm run bench tells the snapshot's way here from the window's drawing.
          performance.mark('msm-snapshot-asked');
          const snapshot = await this.api.snapshot();
          performance.mark('msm-snapshot-received');
          this.store.load(snapshot);
          break;
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          setText(this.els.summary, `Cannot reach the monitor: ${why}. Trying again in ${Math.round(delay / 1000)} s. Is the helper running? (systemctl status mount-status-monitor)`);
          this.els.summary.dataset.error = 'true';
          await sleep(delay);
        }
      }
      this.render();
      performance.mark('msm-drawn');
      document.body.dataset.loaded = 'true';
      if (!this.ticking) {
        this.ticking = true;
        setInterval(() => this.tick(), TICK_MS);
      }
    })().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private onConnection(c: Connection): void {
    const was = this.connected;
    this.connected = c.state;
    this.els.connection.hidden = c.state === 'connected' || (c.state === 'absent' && !c.message);
    setText(this.els.connection, c.state === 'connecting' ? 'Connecting to the helper…' : (c.message ?? ''));
    // Back after a loss: what changed meanwhile is in a fresh snapshot.
    if (c.state === 'connected' && was !== undefined && was !== 'connected' && this.store.loaded) void this.load();
  }

  private scheduleRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    setTimeout(() => {
      this.renderQueued = false;
      this.render();
    }, 0);
  }

  private render(): void {
    if (!this.store.loaded) return;
    const now = this.now();
    const all = this.store.mounts;
    const home = this.homeDirectory !== undefined ? homeMountOf(this.homeDirectory, all) : undefined;
    const shown = all.filter((m) => matchesFilter(m, this.query, now));
    const groups = groupMounts(shown, home && shown.includes(home) ? home : undefined);
    this.view.render(groups, now, (m) => ({
      busy: this.busy.has(m.mountpoint),
      disconnecting: this.disconnecting.has(m.mountpoint),
      advice: this.advice.get(rowKey(m)),
    }));
    this.renderSummary(now, shown.length);
    this.refreshAdvice();
  }

  /** Asks main what can be done for the mounts not answering, whenever that set (or a state in it) changes. */
  private refreshAdvice(): void {
    const dead = this.store.mounts.filter((m) => isFailing(m.state));
    const asked = dead.map((m) => `${rowKey(m)}:${m.state}`).sort().join('\n');
    if (asked === this.adviceAsked) return;
    this.adviceAsked = asked;
    if (dead.length === 0 || this.adviceLoop) return;
    this.adviceLoop = (async () => {
      // One request at a time; another when the set changed while it ran.
      for (let done = ''; done !== this.adviceAsked; ) {
        done = this.adviceAsked;
        const list = await this.api.recoveryAdvice();
        this.advice = new Map(list.map((a) => [rowKey(a), a.advice]));
      }
      this.scheduleRender();
    })()
      .catch(() => {
        // Asked again in a while (or when the set changes): the rows keep their Recheck meanwhile.
        setTimeout(() => {
          this.adviceAsked = '';
          this.scheduleRender();
        }, ADVICE_RETRY_MS);
      })
      .finally(() => {
        this.adviceLoop = undefined;
      });
  }

  /**
   * The once-a-second clock: only the words that age ("for 3 min", "last sweep 5 s ago") change, so
   * only those are redrawn; regrouping 2,000 rows every second blocked the window for ~300 ms.
   */
  private tick(): void {
    if (!this.store.loaded) return;
    if (this.query !== '') return this.render(); // the filter can match words that age
    const now = this.now();
    this.view.tick(now);
    this.renderSummary(now, this.store.mounts.length);
  }

  private renderSummary(now: number, shownCount: number): void {
    const all = this.store.mounts;
    const dead = all.filter((m) => isDead(m.state)).length;
    const sweep = this.store.lastSweep;
    const disconnected = all.filter((m) => m.state === 'disconnected').length;
    const health = [
      ...(dead > 0 ? [`${dead} dead`] : []),
      ...(disconnected > 0 ? [`${disconnected} disconnected`] : []),
    ].join(', ') || (all.some((m) => m.state === 'denied') ? 'some not readable' : 'all answering');
    const omitted = omittedInWords(this.store.omitted);
    const rest = [...(omitted ? [omitted] : []), sweep ? `last sweep ${durationInWords(now - sweep.finishedAt)} ago` : 'first sweep running'];
    const who = identityInWords(this.store.identity);
    if (who) rest.push(who);
    const text = `${all.length} mount${all.length === 1 ? '' : 's'} · ${health} · ${rest.join(' · ')}`;
    if (this.els.summary.textContent !== text) {
      this.els.summary.replaceChildren(`${all.length} mount${all.length === 1 ? '' : 's'} · `, h('span', { class: dead > 0 ? 'dead' : 'health' }, health), ` · ${rest.join(' · ')}`);
    }
    this.els.summary.dataset.dead = String(dead > 0);
    delete this.els.summary.dataset.error;
    this.els.empty.hidden = shownCount > 0;
    setText(this.els.empty, all.length === 0 ? 'No mounts reported yet.' : `No mount matches “${displayText(this.query)}”. Press Escape to clear the filter.`);
    document.body.dataset.shown = String(shownCount);
  }

  private announce(change: StateChange): void {
    const status = this.store.mounts.find((m) => m.mountpoint === change.mountpoint);
    const words = status ? problemInWords(status, this.now()) : '';
    this.say(displayText(`${change.mountpoint} is now ${STATE_LABEL[change.state]}${words ? `: ${words}` : ''}`));
  }

  private say(text: string): void {
    // Re-setting identical text is not re-announced; clear first so repeats are heard.
    this.els.announcer.textContent = '';
    setTimeout(() => setText(this.els.announcer, text), 50);
  }

  private async recheck(mountpoint: string | undefined): Promise<void> {
    const targets = mountpoint !== undefined ? [mountpoint] : this.store.mounts.map((m) => m.mountpoint);
    for (const t of targets) this.busy.add(t);
    if (mountpoint === undefined) this.els.recheckAll.disabled = true;
    this.render();
    let result: RecheckResult | undefined;
    let failure: string | undefined;
    try {
      result = await this.api.recheck(mountpoint);
    } catch (err) {
      failure = err instanceof Error ? err.message : String(err);
    } finally {
      for (const t of targets) this.busy.delete(t);
      this.els.recheckAll.disabled = false;
      this.render();
    }
    const what = mountpoint ?? 'all mounts';
    if (failure !== undefined) {
      this.notice(`Recheck of ${what} failed: ${failure}`, true);
    } else if (result) {
      const skipped = result.skipped.map((s) => `${s.mountpoint} skipped (${s.reason})`);
      this.notice(`Rechecked ${result.started.length === 1 ? result.started[0] : `${result.started.length} mounts`}${skipped.length ? `; ${skipped.join('; ')}` : ''}.`, false);
    }
  }

  private async disconnect(mountpoint: string): Promise<void> {
    this.disconnecting.add(mountpoint);
    this.render();
    let result: DisconnectResult;
    try {
      result = await this.api.disconnect(mountpoint);
    } catch (err) {
      result = { gone: false, steps: [], reason: err instanceof Error ? err.message : String(err) };
    } finally {
      this.disconnecting.delete(mountpoint);
      this.render();
    }
    const steps = result.steps.join('; ');
    if (result.gone) this.notice(`Disconnected ${mountpoint}: ${steps}.`, false);
    else this.notice(`Could not disconnect ${mountpoint}: ${result.reason ?? 'it is still mounted'}${steps ? ` (${steps})` : ''}.`, true);
  }

  private async copyCommand(key: string): Promise<void> {
    const advice = this.advice.get(key);
    if (advice?.kind !== 'admin') return;
    try {
      await navigator.clipboard.writeText(advice.command);
      this.notice(`Copied: ${advice.command}`, false);
    } catch (err) {
      this.notice(`Could not copy the command (${err instanceof Error ? err.message : String(err)}): select it in the text and copy it.`, true);
    }
  }

  private notice(raw: string, isError: boolean): void {
    // Notices name mountpoints and carry error texts: shown in displayText() form (see display-text.ts).
    const text = displayText(raw);
    setText(this.els.notice, text);
    this.els.notice.dataset.error = String(isError);
    this.say(text);
  }
}

const api = window.mountStatus;
if (!api) {
  const summary = document.getElementById('summary');
  if (summary) summary.textContent = 'Not connected: window.mountStatus is missing. Open this window from the Mount Status Monitor tray app.';
} else {
  void new StatusWindow(api).start();
}
