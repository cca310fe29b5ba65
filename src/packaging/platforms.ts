/** The five DDN CLI platforms (selectors), the release executable each takes, and how a folder may name it. */

export type Selector = 'linux-amd64' | 'linux-arm64' | 'darwin-amd64' | 'darwin-arm64' | 'windows-amd64';

export interface DdnPlatform {
  selector: Selector;
  /** The release's target name (README Install): ndc-shim-<target>[.exe]. */
  target: string;
  os: 'linux' | 'darwin' | 'windows';
  cpu: 'x64' | 'arm64';
}

export const DDN_PLATFORMS: readonly DdnPlatform[] = [
  { selector: 'linux-amd64', target: 'linux-x64', os: 'linux', cpu: 'x64' },
  { selector: 'linux-arm64', target: 'linux-arm64', os: 'linux', cpu: 'arm64' },
  { selector: 'darwin-amd64', target: 'macos-x64', os: 'darwin', cpu: 'x64' },
  { selector: 'darwin-arm64', target: 'macos-arm64', os: 'darwin', cpu: 'arm64' },
  { selector: 'windows-amd64', target: 'win-x64', os: 'windows', cpu: 'x64' },
];

/** The release executable's file name (in --shims) and the name it has inside the package. */
export const releaseName = (platform: DdnPlatform) => `ndc-shim-${platform.target}${platform.os === 'windows' ? '.exe' : ''}`;
export const shimNameInPackage = (platform: DdnPlatform) => (platform.os === 'windows' ? 'ndc-shim.exe' : 'ndc-shim');

/** A platform from its selector (linux-amd64) or target name (linux-x64). */
export const platformNamed = (name: string) => DDN_PLATFORMS.find((platform) => platform.selector === name || platform.target === name);

/** Folder names that hold one platform's files in a per-platform --from layout. */
export const folderNames = (platform: DdnPlatform) => [platform.selector, platform.target];
