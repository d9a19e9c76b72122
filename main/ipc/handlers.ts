import { TorusError } from '../core/errors.js';
import { resolveProfile } from '../core/domain/profiles.js';
import type { Core } from '../core/use-cases/core.js';
import { refresh } from '../core/use-cases/tokens.js';
import { copyToken, type ClipboardGuard } from '../core/use-cases/clipboard.js';
import { acceptRequestToken, signIn } from '../core/use-cases/sign-in.js';
import { saveCredentials } from '../core/use-cases/credentials.js';
import { addProfile, forgetProfile, switchProfile, updateProfile } from '../core/use-cases/profiles.js';
import { checkPreferences, sensitivePreferenceChanges, updatePreferences, type PreferencesPatch } from '../core/use-cases/preferences.js';
import { requireApproval, type ApprovalPolicy } from '../core/use-cases/approvals.js';
import type { Approver, SignInPort } from '../core/ports.js';
import type { CommandLineToolView, LoginItemView, ProfileTarget, SettingsPatch, SettingsView } from '../../preload/contract.js';
import type { AppView } from './app-view.js';
import type { Handlers } from './router.js';

/**
 * What each IPC channel does: parse (the router already checked the schema), call one use
 * case of the core (the same the CLI calls), and answer with a view. The Electron-only parts
 * arrive as ports, so the browser tests run these very handlers with test doubles for exactly
 * those ports.
 */
export interface AppPorts {
  clipboard: ClipboardGuard;
  signIn: SignInPort;
  loginItem: { get(): LoginItemView; set(enabled: boolean): LoginItemView };
  shortcut: {
    /** A user-facing problem with the accelerator, without registering anything. */
    check(accelerator: string | null): string | null;
    /** Registers it (or turns it off); returns a user-facing problem or null. */
    apply(accelerator: string | null): string | null;
  };
  approver: Approver;
  policy: ApprovalPolicy;
  /** Whether `torus-token` is installed here, and how to install it. */
  commandLineTool(): Promise<CommandLineToolView>;
  /** Opens the CLI's download page (a fixed address) in the browser. */
  openCliDownload(): void;
  hidePopover(): void;
  quit(): void;
}

function profileId(core: Core, target: ProfileTarget = {}): string {
  return resolveProfile(core.settings.read(), target.profileId).id;
}

export function settingsView(core: Core, ports: Pick<AppPorts, 'loginItem'>): SettingsView {
  const s = core.settings.read();
  return {
    refreshAtLogin: s.refresh.atLogin,
    cutoffTime: s.refresh.cutoffTime,
    cutoffZone: s.refresh.cutoffZone,
    timeoutSeconds: s.refresh.timeoutSeconds,
    clipboardAutoClearSeconds: s.clipboard.autoClearSeconds,
    copyShortcut: s.app.copyShortcut,
    startAtLogin: ports.loginItem.get(),
  };
}

/**
 * A settings change from the popover: the whole patch is checked first (values, shortcut,
 * login-item support), then approved where it weakens protection, then the side effects run,
 * and the file is written last; a failed write undoes the side effects.
 */
export async function updateSettings(core: Core, ports: AppPorts, patch: SettingsPatch): Promise<SettingsView> {
  const current = core.settings.read();
  const preferences: PreferencesPatch = { ...patch };
  checkPreferences(current, preferences);
  if (patch.copyShortcut !== undefined) {
    const problem = ports.shortcut.check(patch.copyShortcut);
    if (problem) throw new TorusError('invalid-input', problem);
  }
  if (patch.startAtLogin === true) {
    const loginItem = ports.loginItem.get();
    if (!loginItem.supported) throw new TorusError('invalid-input', loginItem.note ?? 'Start at login is not available here.');
  }
  await requireApproval(ports.approver, null, sensitivePreferenceChanges(current, preferences));

  const undo: Array<() => void> = [];
  const rollBack = () => {
    for (const step of undo.reverse()) step();
  };
  if (patch.copyShortcut !== undefined && (patch.copyShortcut?.trim() || null) !== current.app.copyShortcut) {
    const problem = ports.shortcut.apply(patch.copyShortcut);
    if (problem) throw new TorusError('invalid-input', problem);
    undo.push(() => void ports.shortcut.apply(current.app.copyShortcut));
  }
  if (patch.startAtLogin !== undefined) {
    const before = ports.loginItem.get();
    const after = ports.loginItem.set(patch.startAtLogin);
    undo.push(() => void ports.loginItem.set(before.enabled));
    if (patch.startAtLogin && !after.enabled && after.note) {
      rollBack();
      throw new TorusError('invalid-input', after.note);
    }
  }
  try {
    await updatePreferences(core, preferences);
  } catch (error) {
    rollBack();
    throw error;
  }
  return settingsView(core, ports);
}

export function createHandlers(core: Core, view: AppView, ports: AppPorts): Handlers {
  const state = () => view.state();
  return {
    'state:get': state,
    'token:refresh': async (p) => {
      await refresh(core, profileId(core, p), 'manual');
      return state();
    },
    'token:copy': (p) => copyToken(core, ports.clipboard, profileId(core, p)),
    'token:reveal': async (p) => {
      const stored = await core.vault.getToken(profileId(core, p));
      if (!stored) throw new TorusError('not-configured', 'There is no token yet. Press Refresh to get one.');
      return { token: stored.token };
    },
    'signin:open': async (p) => ({ outcome: (await signIn(core, ports.signIn, profileId(core, p))).outcome }),
    'signin:set-request-token': async (p) => {
      await acceptRequestToken(core, profileId(core, p), p.input);
      return state();
    },
    'credentials:save': async ({ profileId: id, ...input }) => {
      await saveCredentials(core, id, input);
      return state();
    },
    'settings:get': () => settingsView(core, ports),
    'settings:update': (p) => updateSettings(core, ports, p),
    'profiles:add': async (p) => {
      await addProfile(core, p, ports.approver, ports.policy);
      return state();
    },
    'profiles:update': async ({ profileId: id, ...patch }) => {
      await updateProfile(core, id, patch, ports.approver, ports.policy);
      return state();
    },
    'profiles:remove': async (p) => {
      await forgetProfile(core, p.profileId, { remove: true });
      return state();
    },
    'profiles:switch': async (p) => {
      await switchProfile(core, p.profileId);
      return state();
    },
    'history:get': (p) => view.history(profileId(core, p)),
    'cli:status': () => ports.commandLineTool(),
    'cli:open-download': () => {
      ports.openCliDownload();
      return null;
    },
    'popover:hide': () => {
      ports.hidePopover();
      return null;
    },
    'app:quit': () => {
      ports.quit();
      return null;
    },
  };
}
