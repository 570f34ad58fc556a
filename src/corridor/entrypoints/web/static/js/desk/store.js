// What the desk keeps on this device, in IndexedDB: the party's key (a non-extractable
// CryptoKey, stored as the browser stores keys, never as bytes) and its witness memory (the
// checkpoint it cosigned last, with the log's key), as the CLI keeps party-a.key.witness.json.

const DB = "corridor-desk";
const STORE = "kv";

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function run(mode, work) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

export const get = (key) => run("readonly", (s) => s.get(key));
export const put = (key, value) => run("readwrite", (s) => s.put(value, key));
export const remove = (key) => run("readwrite", (s) => s.delete(key));

// One key per signed-in account on this device.
export const keyFor = (userId) => get(`key:${userId}`);
export const saveKey = (userId, record) => put(`key:${userId}`, record);

// The witness memory of one key: {origin: {size, root (base64), log_key}}.
export const witnessOf = async (verifierText) => (await get(`witness:${verifierText}`)) || {};
export const saveWitness = (verifierText, memory) => put(`witness:${verifierText}`, memory);
