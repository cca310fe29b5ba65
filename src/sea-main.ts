/** Main script of the single executables (see runLaunchScript). */
import { runLaunchScript } from './embedded';

runLaunchScript(require);
