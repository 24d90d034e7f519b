/**
 * How long resident tensors live (float32 tensors whose values are a block
 * of the wasm kernels' memory, src/backend/resident.ts). A plain tensor's
 * typed array is the garbage collector's business; a resident block is not:
 * the JS heap does not see the wasm memory fill up, so blocks are freed
 * explicitly, by one of
 *
 *   - `t.dispose()` (Tensor): this tensor's hold on its block ends now;
 *   - `tidy(fn)`: every resident tensor created while `fn` runs is disposed
 *     when it returns, except those reachable from its result (they move to
 *     the enclosing scope, if any); scopes nest;
 *   - the autograd graph: a backward that frees the graph disposes the
 *     resident tensors its nodes saved for it (src/autograd/variable.ts);
 *   - a container's forward under noGrad (src/nn/intermediates.ts): an
 *     intermediate activation it made, owned by the innermost scope, once
 *     the next module has read it (`disposeScopedSince`) — so an inference's
 *     peak is the activations live at once, not all of them;
 *
 * and, as a safety net only, a FinalizationRegistry that releases the block
 * of a resident tensor the garbage collector found unreachable without a
 * dispose (when it runs is up to the collector: scopes are the rule).
 *
 * The open tidy scopes are global state beside the no-grad depth (DESIGN):
 * readable with `tidyDepth()`, changed only for the duration of a `tidy`.
 * The wasm kernel ops make their outputs resident only inside a scope, so a
 * program that never calls `tidy` gets plain tensors as before.
 */
/**
 * What a scope holds: a resident tensor (src/tensor.ts implements it; this
 * file imports nothing, so the tensor can import it without a cycle).
 */
export interface ScopedTensor {
  /** Releases the values; `how` names who did, for the error a later read throws. */
  dispose(how?: string): void;
}

/** The block behind a resident tensor, as far as the safety net needs it. */
export interface ReleasableBlock {
  /** One tensor less uses it. */
  release(): void;
}

/** The resident tensors created in one open tidy scope, each with its serial number (the order of creation). */
type Scope = Map<ScopedTensor, number>;

const scopes: Scope[] = [];
/** Resident tensors adopted so far: the next one's serial number. */
let adoptedCount = 0;

/**
 * Releases the block of a resident tensor that was collected without a
 * dispose. Held values are the blocks (never the tensors, which would keep
 * them alive); the tensor itself is the unregister token.
 */
const safetyNet: FinalizationRegistry<ReleasableBlock> | null =
  typeof FinalizationRegistry === "function" ? new FinalizationRegistry((block) => { finalizedCount++; block.release(); }) : null;
let finalizedCount = 0;

/** Called by the Tensor constructor for a resident tensor: joins the innermost open scope and the safety net. */
export function adoptResident(t: ScopedTensor, block: ReleasableBlock): void {
  if (scopes.length > 0) scopes[scopes.length - 1].set(t, adoptedCount);
  adoptedCount++;
  safetyNet?.register(t, block, t);
}

/** Called by `Tensor.dispose` for a resident tensor: leaves its scope and the safety net. */
export function forgetResident(t: ScopedTensor): void {
  for (let i = scopes.length - 1; i >= 0; i--) if (scopes[i].delete(t)) break;
  safetyNet?.unregister(t);
}

/** How many tidy scopes are open (0 outside any). */
export function tidyDepth(): number {
  return scopes.length;
}

/** How many blocks the safety net has released (resident tensors collected without a dispose; for leak checks). */
export function finalizedResidentCount(): number {
  return finalizedCount;
}

/**
 * Runs `fn` in a scope: every resident tensor created while it runs is
 * disposed when it returns or throws, except tensors reachable from its
 * result (a Tensor, or arrays, Maps, Sets and objects holding them — a
 * Variable's value, gradient and graph included), which move to the
 * enclosing scope, if any. Scopes nest. Plain tensors are untouched.
 * Returns what `fn` returns; `fn` must not return a Promise (a scope cannot
 * wait: it would free tensors still in use).
 *
 * result = fn()   with   resident tensors of fn − reachable(result)  disposed
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== "function") throw new TypeError(`tidy: expected a function, got ${Object.prototype.toString.call(fn)}`);
  const scope: Scope = new Map();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    closeScope(scope, new Set());
    throw e;
  }
  if (result instanceof Promise) {
    closeScope(scope, new Set());
    throw new TypeError("tidy: fn returned a Promise; a scope cannot wait for it (its tensors would be freed while in use): call tidy inside the async code instead");
  }
  closeScope(scope, reachableTensors(result, scope));
  return result;
}

/**
 * Keeps `t` past the tidy scopes now open (it will not be disposed when they
 * end: dispose it yourself, or let the safety net collect it). Returns `t`.
 */
export function keep<T extends ScopedTensor>(t: T): T {
  for (const scope of scopes) scope.delete(t);
  return t;
}

/** Pops `scope` (the innermost) and disposes its tensors except `kept`, which move to the enclosing scope. */
function closeScope(scope: Scope, kept: Set<ScopedTensor>): void {
  const at = scopes.lastIndexOf(scope);
  scopes.splice(at, 1);
  const parent = at > 0 ? scopes[at - 1] : null;
  for (const [t, serial] of scope) {
    if (kept.has(t)) parent?.set(t, serial);
    else t.dispose("at the end of the tidy scope that created it");
  }
}

/**
 * A mark of now in the order resident tensors are created: pass it to
 * `disposeScopedSince` to touch only tensors created after it (e.g. inside
 * one forward pass, never its caller's tensors).
 */
export function residentMark(): number {
  return adoptedCount;
}

/**
 * Disposes `t` now, when the innermost open tidy scope owns it (it would be
 * disposed when that scope ends anyway: not kept, not returned from an inner
 * scope's result to an outer one beyond it) and it was created after `mark`
 * (`residentMark()`); returns whether it did. Any other tensor — plain, kept,
 * made before the mark, owned by an outer scope — is left alone. For
 * containers that free a forward pass's dead intermediates early
 * (src/nn/intermediates.ts); the tensor leaves the safety net as on any dispose.
 */
export function disposeScopedSince(t: ScopedTensor, mark: number, how: string): boolean {
  if (scopes.length === 0) return false;
  const serial = scopes[scopes.length - 1].get(t);
  if (serial === undefined || serial < mark) return false;
  t.dispose(how);
  return true;
}

/** Whether `x` is a tensor (has `dispose` and `storage`): its insides are not searched. */
function isTensorLike(x: object): boolean {
  return typeof (x as { dispose?: unknown }).dispose === "function" && "storage" in x;
}

/**
 * The tensors of `scope` reachable from `root` through arrays, Maps, Sets and
 * objects' own properties (typed arrays and tensors' insides are not searched).
 */
function reachableTensors(root: unknown, scope: Scope): Set<ScopedTensor> {
  const found = new Set<ScopedTensor>();
  if (scope.size === 0) return found;
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const x = stack.pop();
    if (x === null || typeof x !== "object" || seen.has(x)) continue;
    seen.add(x);
    if (scope.has(x as ScopedTensor)) {
      found.add(x as ScopedTensor);
      continue;
    }
    if (isTensorLike(x)) continue;
    if (ArrayBuffer.isView(x) || x instanceof ArrayBuffer) continue;
    if (x instanceof Map) {
      for (const [k, v] of x) stack.push(k, v);
    } else if (x instanceof Set || Array.isArray(x)) {
      for (const v of x) stack.push(v);
    } else {
      for (const key of Object.keys(x)) stack.push((x as Record<string, unknown>)[key]);
    }
  }
  return found;
}
