/**
 * nianbao command-line entry. Each subcommand is a module in ./commands exporting
 * `summary` (one line for the help list), `help` (its full usage) and `run(argv)`.
 */
import { existsSync } from 'fs';
import { join } from 'path';

export interface Command {
  summary: string;
  help: string;
  run(argv: string[]): Promise<number>;
}

const COMMANDS = ['extract', 'ingest', 'worker', 'status', 'serve', 'export'];

function load(name: string): Command | null {
  const file = join(__dirname, 'commands', name + '.js');
  if (!existsSync(file)) return null;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require(file) as Command;
}

function usage(): string {
  const lines = ['nianbao — government information disclosure annual reports → checked dataset', '', 'Usage: nianbao <command> [options]', '', 'Commands:'];
  for (const name of COMMANDS) {
    const cmd = load(name);
    if (cmd) lines.push(`  ${name.padEnd(9)} ${cmd.summary}`);
  }
  lines.push('', 'Run `nianbao <command> --help` for the options of a command.');
  return lines.join('\n') + '\n';
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    process.stdout.write(require('../../../package.json').version + '\n');
    return 0;
  }
  const cmd = COMMANDS.includes(name) ? load(name) : null;
  if (!cmd) {
    process.stderr.write(`nianbao: unknown command '${name}'\n\n` + usage());
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(cmd.help.endsWith('\n') ? cmd.help : cmd.help + '\n');
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    // the embedded store is open in another process: say who has it, without a stack trace
    if ((e as Error)?.name === 'StoreLockedError') {
      process.stderr.write(`nianbao ${name}: ${(e as Error).message}\n`);
      return 3;
    }
    throw e;
  }
}
