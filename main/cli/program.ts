import { Command, CommanderError, Option } from 'commander';
import { EXIT } from '../core/errors.js';
import { createContext, type CliContext, type GlobalOptions } from './context.js';
import * as commands from './commands.js';
import { SETTING_KEYS, setSetting, showSettings } from './settings-command.js';
import { PromptCancelled, type CliIo } from './io.js';
import { isValidTimeoutSeconds } from './options.js';
import { reportFailure } from './report-error.js';

/**
 * `torus-token`: the same core, keychain and settings as the app, for scripts and bots.
 * Contract: stdout carries only what was asked for (a token, JSON); everything else is one
 * line on stderr; exit codes are documented in EXIT.
 */
class UsageError extends Error {}

function parseTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!isValidTimeoutSeconds(value)) throw new UsageError(`--timeout must be a number of seconds between 1 and 300 (got "${value.slice(0, 20)}").`);
  return Math.round(Number(value) * 1000);
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  let context: CliContext | undefined;
  let debug = argv.includes('--debug');

  const program = new Command('torus-token')
    .description('Daily Torus Digital Connects access tokens from your system keychain.')
    .option('--base-url <url>', 'Torus base URL (beats TORUS_BASE_URL and the profile setting)')
    .option('--totp-base-url <url>', 'Torus TOTP base URL (beats TORUS_TOTP_BASE_URL; default: --base-url, then the profile)')
    .option('--timeout <seconds>', 'timeout per attempt (up to 3 attempts), in seconds')
    .option('--debug', 'show diagnostic details (never secrets)')
    .option('-y, --yes', 'approve changes that send credentials or the token elsewhere (for scripts)')
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

  // Global options are accepted before or after the subcommand ("options everywhere").
  let globals: GlobalOptions = {};
  program.hook('preAction', (_root, action) => {
    const own = action.opts<GlobalOptions>();
    globals = { ...program.opts<GlobalOptions>() };
    if (own.baseUrl !== undefined) globals.baseUrl = own.baseUrl;
    if (own.totpBaseUrl !== undefined) globals.totpBaseUrl = own.totpBaseUrl;
    // `wait --timeout` is how long to wait, not the per-attempt timeout of a Torus call.
    if (own.timeout !== undefined && action.name() !== 'wait') globals.timeout = own.timeout;
    if (own.debug === true) globals.debug = true;
    if (own.yes === true) globals.yes = true;
  });
  const ctx = async (): Promise<CliContext> => {
    if (!context) {
      debug = globals.debug === true;
      context = await createContext(io, globals, parseTimeout(globals.timeout));
    }
    return context;
  };
  const profileOption = () => new Option('-p, --profile <name>', 'profile name or id (default: the active profile)');
  // Every subcommand also accepts the global options after its name (hidden from its help).
  const command = (name: string, options: { ownTimeout?: boolean } = {}): Command => {
    const created = program
      .command(name)
      .addOption(new Option('--base-url <url>').hideHelp())
      .addOption(new Option('--totp-base-url <url>').hideHelp())
      .addOption(new Option('--debug').hideHelp())
      .addOption(new Option('-y, --yes').hideHelp());
    return options.ownTimeout ? created : created.addOption(new Option('--timeout <seconds>').hideHelp());
  };

  command('login')
    .description('save API key, API secret and a request token (or TOTP secret) to the keychain, and get the first token')
    .addOption(profileOption())
    .addOption(new Option('--mode <mode>', 'how tokens are obtained').choices(['request-token', 'totp']))
    .option('--stdin', 'read the three values as lines from standard input')
    .action(async (options: commands.LoginOptions) => {
      const context = await ctx();
      await commands.login(context, {
        ...options,
        ...(globals.baseUrl === undefined ? {} : { baseUrl: globals.baseUrl }),
        ...(globals.totpBaseUrl === undefined ? {} : { totpBaseUrl: globals.totpBaseUrl }),
      });
    });

  command('request-token')
    .description('save a fresh request token (bare, or the redirect URL) from standard input and exchange it for a token now')
    .argument('[token]', 'the token or redirect URL (discouraged: it lands in shell history)')
    .addOption(profileOption())
    .option('--print', 'also print the new access token on stdout')
    .action(async (token: string | undefined, options: { profile?: string; print?: boolean }) => commands.setRequestToken(await ctx(), options, token));

  command('refresh')
    .description('get a new access token from Torus now')
    .addOption(profileOption())
    .option('--print', 'also print the token on stdout')
    .action(async (options: { profile?: string; print?: boolean }) => commands.refresh(await ctx(), options));

  command('get')
    .description('print the current access token')
    .addOption(profileOption())
    .option('--refresh-if-stale', 'refresh first when the token has expired or is missing')
    .option('--json', 'print {"token","expiresAt","profile"} instead of the bare token')
    .action(async (options: commands.GetOptions) => commands.get(await ctx(), options));

  command('wait', { ownTimeout: true })
    .description('wait until a usable token exists (e.g. until you sign in), then print it')
    .addOption(profileOption())
    .option('--timeout <seconds>', 'give up after this many seconds (exit 3); default: wait as long as it takes')
    .action(async (options: commands.WaitOptions) => commands.wait(await ctx(), options));

  command('exec')
    .description('run a command with TORUS_ACCESS_TOKEN set (refreshing first if stale)')
    .addOption(profileOption())
    .argument('<command...>', 'the command and its arguments, after --')
    .passThroughOptions()
    .action(async (command: string[], options: { profile?: string }) => {
      exitCode = await commands.exec(await ctx(), options, command);
    });

  command('status')
    .description("show the token's state, age and expiry")
    .addOption(profileOption())
    .option('--json', 'machine-readable output')
    .action(async (options: { profile?: string; json?: boolean }) => commands.status(await ctx(), options));

  command('verify')
    .description('ask Torus whether the stored token still works')
    .addOption(profileOption())
    .action(async (options: { profile?: string }) => {
      exitCode = await commands.verify(await ctx(), options);
    });

  command('profiles')
    .description('list profiles (the active one is starred)')
    .option('--use <name>', 'make this profile the active one')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean; use?: string }) => commands.profiles(await ctx(), options));

  command('logout')
    .description("delete a profile's secrets and token from the keychain")
    .addOption(profileOption())
    .option('--remove-profile', 'also delete the profile from the settings')
    .action(async (options: { profile?: string; removeProfile?: boolean }) => commands.logout(await ctx(), options));

  const settingsCommand = command('settings')
    .description("show the settings (the same as the app's Settings view)")
    .addOption(profileOption())
    .option('--json', 'machine-readable output')
    .action(async (options: { profile?: string; json?: boolean }) => showSettings(await ctx(), options));
  settingsCommand
    .command('set')
    .description(`change one setting: ${Object.keys(SETTING_KEYS).join(', ')}`)
    .argument('<key>', 'the setting')
    .argument('<value>', 'its new value')
    .addOption(profileOption())
    .addOption(new Option('-y, --yes').hideHelp())
    .addOption(new Option('--debug').hideHelp())
    .action(async (key: string, value: string, options: { profile?: string; yes?: boolean; debug?: boolean }) => {
      if (options.yes) globals.yes = true;
      await setSetting(await ctx(), key, value, options);
    });

  command('login-url')
    .description('print the Torus sign-in address that issues a new request token')
    .addOption(profileOption())
    .action(async (options: { profile?: string }) => commands.loginUrl(await ctx(), options));

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, io, debug);
  }
}

function reportError(error: unknown, io: CliIo, debug: boolean): number {
  if (error instanceof CommanderError) {
    // Help and version are not errors; commander already printed its message.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version') return EXIT.ok;
    return EXIT.usage;
  }
  if (error instanceof UsageError) {
    io.stderr.write(`torus-token: ${error.message}\n`);
    return EXIT.usage;
  }
  if (error instanceof PromptCancelled) {
    io.stderr.write('torus-token: cancelled.\n');
    return 130;
  }
  return reportFailure(error, io, debug);
}
