/** A failure to listen, said so that the reader knows which variable to change. */
export function listenProblem(error: Error, address: string, variable: string): Error {
  if (/EADDRINUSE|address already in use/i.test(error.message)) {
    return new Error(`${address} is already in use (another process listens there): set ${variable} to a free port`);
  }
  if (/EACCES|permission denied/i.test(error.message)) {
    return new Error(`not allowed to listen on ${address}: set ${variable} to a port above 1023`);
  }
  return new Error(`cannot listen on ${address} (${variable}): ${error.message}`);
}
