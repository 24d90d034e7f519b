// AssemblyScript kernels (filled by the kernels work). Placeholder export so the build pipeline runs.
export function kernelsVersion(): i32 {
  return 1;
}
