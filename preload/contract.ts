/**
 * The one IPC contract between the popover (renderer) and the main process.
 *
 * Defined once here and used by all three sides: main registers a handler per invoke
 * channel (the type system makes a missing one a compile error), the preload exposes
 * exactly these calls as `window.torus`, and the renderer codes against `TorusApi`.
 * This file has no runtime dependencies so the preload and renderer bundles stay tiny.
 *
 * Secrets never cross this boundary: the API key, API secret, request token and TOTP secret
 * are write-only; the access token crosses only through `token:reveal`.
 */
import type { ProfileMode, TokenStatus, TorusErrorKind } from '../main/core/domain/vocabulary.js';

export type { TokenStatus, ProfileMode };

/** The core's error kinds, plus the IPC router's own refusal. */
export type ErrorKind = TorusErrorKind | 'forbidden';

export interface UiError {
  kind: ErrorKind;
  /** Plain words, naming the next step. Never contains a secret. */
  message: string;
  needsSignIn: boolean;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: UiError };

export interface CredentialPresence {
  /** Last four characters of the API key, or '' when too short to show any. */
  apiKey: { saved: boolean; lastFour: string };
  /** Never any part of the secret itself. */
  apiSecret: { saved: boolean };
  requestToken: { saved: boolean };
  totpSecret: { saved: boolean };
}

export interface ProfileView {
  id: string;
  name: string;
  mode: ProfileMode;
  baseUrl: string;
  totpBaseUrl: string;
  exportFilePath: string | null;
  exportHookCommand: string | null;
  /** "HH:MM" in the cutoff zone: reminders wait until then. */
  readyBy: string;
  signInAtReadyBy: boolean;
  /** Where Torus redirects after sign-in; null until the first sign-in teaches it. */
  redirectOrigin: string | null;
  credentials: CredentialPresence;
  status: TokenStatus;
  token: TokenView | null;
  lastError: (UiError & { at: number }) | null;
  /** Torus refused the saved credentials; they are not sent again until they change. */
  refused: boolean;
  /** The last export or hook failure, until the next success. */
  exportProblem: string | null;
  nextRefreshAt: number | null;
}

export interface TokenView {
  /** `abcd…wxyz`: enough to recognise, not enough to use. */
  masked: string;
  fingerprint: string;
  issuedAt: number;
  expiresAt: number;
  expirySource: 'jwt' | 'daily-cutoff';
  source: ProfileMode;
}

export interface AppState {
  activeProfileId: string | null;
  /** Every profile with its own status: the tray shows them all, the popover the active one. */
  profiles: ProfileView[];
  /** The most urgent status over all profiles (the tray icon). */
  status: TokenStatus;
  /** Things the user should know (a settings file recovered, the disk full, a shortcut not registered). */
  warnings: string[];
  platform: 'darwin' | 'win32' | 'linux' | 'other';
}

export interface LoginItemView {
  supported: boolean;
  enabled: boolean;
  /** Plain words when not simply on/off: "requires approval in System Settings", "only in the installed app". */
  note: string | null;
}

export interface SettingsView {
  refreshAtLogin: boolean;
  cutoffTime: string;
  cutoffZone: string;
  timeoutSeconds: number;
  clipboardAutoClearSeconds: number;
  copyShortcut: string | null;
  startAtLogin: LoginItemView;
}

/** Any subset of the settings; start at login is set as a plain on/off wish. */
export type SettingsPatch = Partial<Omit<SettingsView, 'startAtLogin'> & { startAtLogin: boolean }>;

export interface AttemptView {
  at: number;
  reason: string;
  outcome: string;
  ok: boolean;
  message: string;
  latencyMs: number;
}

export interface ProfileTarget {
  /** Defaults to the active profile. */
  profileId?: string;
}

export interface NewProfile {
  name: string;
  mode: ProfileMode;
  baseUrl?: string;
  totpBaseUrl?: string;
}

export interface ProfilePatch {
  profileId: string;
  name?: string;
  mode?: ProfileMode;
  baseUrl?: string;
  totpBaseUrl?: string;
  exportFilePath?: string | null;
  exportHookCommand?: string | null;
  readyBy?: string;
  signInAtReadyBy?: boolean;
  redirectOrigin?: string | null;
}

export interface RequestTokenInput {
  profileId?: string;
  /** The request token, or the whole redirect URL that carries it. */
  input: string;
}

export interface CredentialsInput {
  profileId: string;
  apiKey?: string;
  apiSecret?: string;
  totpSecret?: string;
}

/** Whether the `torus-token` command is installed, and how to install it (Settings, "Command-line tool"). */
export interface CommandLineToolView {
  /** Where `torus-token` was found; `onPath` false when it is in a usual folder that PATH lacks. */
  found: { path: string; onPath: boolean } | null;
  /** One or two sentences for the Settings section. */
  summary: string;
  /** The release file for this system, e.g. torus-token-linux-x64.tar.gz. */
  download: { fileName: string; url: string };
  /** Copyable commands that install the downloaded file for this user (no administrator rights). */
  install: { shell: 'sh' | 'powershell'; commands: string[] };
}

export type SignInOutcome = 'refreshed' | 'captured' | 'closed' | 'timeout';

/** Every request/response pair, by channel. Payload `void` means the call takes none. */
export interface InvokeContract {
  'state:get': { request: void; response: AppState };
  'token:refresh': { request: ProfileTarget; response: AppState };
  'token:copy': { request: ProfileTarget; response: { clearsInSeconds: number | null } };
  'token:reveal': { request: ProfileTarget; response: { token: string } };
  'signin:open': { request: ProfileTarget; response: { outcome: SignInOutcome } };
  'signin:set-request-token': { request: RequestTokenInput; response: AppState };
  'credentials:save': { request: CredentialsInput; response: AppState };
  'settings:get': { request: void; response: SettingsView };
  'settings:update': { request: SettingsPatch; response: SettingsView };
  'profiles:add': { request: NewProfile; response: AppState };
  'profiles:update': { request: ProfilePatch; response: AppState };
  'profiles:remove': { request: { profileId: string }; response: AppState };
  'profiles:switch': { request: { profileId: string }; response: AppState };
  'history:get': { request: ProfileTarget; response: AttemptView[] };
  'cli:status': { request: void; response: CommandLineToolView };
  'cli:open-download': { request: void; response: null };
  'popover:hide': { request: void; response: null };
  'app:quit': { request: void; response: null };
}

export type InvokeChannel = keyof InvokeContract;
export type RequestOf<C extends InvokeChannel> = InvokeContract[C]['request'];
export type ResponseOf<C extends InvokeChannel> = InvokeContract[C]['response'];

/** Runtime list of channels; `satisfies` keeps it in step with the contract. */
export const INVOKE_CHANNELS = [
  'state:get',
  'token:refresh',
  'token:copy',
  'token:reveal',
  'signin:open',
  'signin:set-request-token',
  'credentials:save',
  'settings:get',
  'settings:update',
  'profiles:add',
  'profiles:update',
  'profiles:remove',
  'profiles:switch',
  'history:get',
  'cli:status',
  'cli:open-download',
  'popover:hide',
  'app:quit',
] as const satisfies readonly InvokeChannel[];

// Compile-time proof that INVOKE_CHANNELS lists every channel.
type Missing = Exclude<InvokeChannel, (typeof INVOKE_CHANNELS)[number]>;
const everyChannelListed: Missing extends never ? true : Missing = true;
void everyChannelListed;

/** Events pushed from main to the renderer. */
export interface EventContract {
  'state:changed': AppState;
  /** The popover was shown: the renderer refreshes relative times and focus. */
  'popover:shown': null;
}
export type EventChannel = keyof EventContract;
export const EVENT_CHANNELS = ['state:changed', 'popover:shown'] as const satisfies readonly EventChannel[];

/** What the preload exposes as `window.torus`. Every call resolves to a Result; none throws. */
export interface TorusApi {
  getState(): Promise<Result<AppState>>;
  refresh(target?: ProfileTarget): Promise<Result<AppState>>;
  copyToken(target?: ProfileTarget): Promise<Result<{ clearsInSeconds: number | null }>>;
  revealToken(target?: ProfileTarget): Promise<Result<{ token: string }>>;
  signIn(target?: ProfileTarget): Promise<Result<{ outcome: SignInOutcome }>>;
  setRequestToken(input: string, target?: ProfileTarget): Promise<Result<AppState>>;
  saveCredentials(input: CredentialsInput): Promise<Result<AppState>>;
  getSettings(): Promise<Result<SettingsView>>;
  updateSettings(patch: SettingsPatch): Promise<Result<SettingsView>>;
  addProfile(input: NewProfile): Promise<Result<AppState>>;
  updateProfile(patch: ProfilePatch): Promise<Result<AppState>>;
  removeProfile(profileId: string): Promise<Result<AppState>>;
  switchProfile(profileId: string): Promise<Result<AppState>>;
  getHistory(target?: ProfileTarget): Promise<Result<AttemptView[]>>;
  getCommandLineTool(): Promise<Result<CommandLineToolView>>;
  openCliDownload(): Promise<Result<null>>;
  hidePopover(): Promise<Result<null>>;
  quit(): Promise<Result<null>>;
  onState(listener: (state: AppState) => void): () => void;
  onPopoverShown(listener: () => void): () => void;
}

/**
 * Builds `TorusApi` from any invoke/subscribe transport: Electron's ipcRenderer in the
 * preload, a test bridge in the browser tests. One mapping, so both behave the same.
 */
export interface Transport {
  invoke(channel: InvokeChannel, payload: unknown): Promise<unknown>;
  subscribe(channel: EventChannel, listener: (payload: unknown) => void): () => void;
}

export function createTorusApi(transport: Transport): TorusApi {
  const call = <C extends InvokeChannel>(channel: C, payload: RequestOf<C>): Promise<Result<ResponseOf<C>>> =>
    transport.invoke(channel, payload ?? null) as Promise<Result<ResponseOf<C>>>;
  return {
    getState: () => call('state:get', undefined),
    refresh: (target = {}) => call('token:refresh', target),
    copyToken: (target = {}) => call('token:copy', target),
    revealToken: (target = {}) => call('token:reveal', target),
    signIn: (target = {}) => call('signin:open', target),
    setRequestToken: (input, target = {}) => call('signin:set-request-token', { ...target, input }),
    saveCredentials: (input) => call('credentials:save', input),
    getSettings: () => call('settings:get', undefined),
    updateSettings: (patch) => call('settings:update', patch),
    addProfile: (input) => call('profiles:add', input),
    updateProfile: (patch) => call('profiles:update', patch),
    removeProfile: (profileId) => call('profiles:remove', { profileId }),
    switchProfile: (profileId) => call('profiles:switch', { profileId }),
    getHistory: (target = {}) => call('history:get', target),
    getCommandLineTool: () => call('cli:status', undefined),
    openCliDownload: () => call('cli:open-download', undefined),
    hidePopover: () => call('popover:hide', undefined),
    quit: () => call('app:quit', undefined),
    onState: (listener) => transport.subscribe('state:changed', (payload) => listener(payload as AppState)),
    onPopoverShown: (listener) => transport.subscribe('popover:shown', () => listener()),
  };
}

/** Electron IPC channel names are namespaced so they cannot clash with anything else. */
export const ipcName = (channel: InvokeChannel | EventChannel): string => `torus:${channel}`;
