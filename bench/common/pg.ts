import { Client } from 'pg';

/** One connection for `work`, closed afterwards whatever happens. */
export async function withClient<T>(url: string, work: (client: Client) => Promise<T>, applicationName = 'bench'): Promise<T> {
  const client = new Client({ connectionString: url, application_name: applicationName });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
