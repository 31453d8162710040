/** `lakestep …` exactly as cli/bin.js runs it, with the peak RSS recorded at exit (see rusage.ts). */
import './rusage';
import { main } from '../../cli/main';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
