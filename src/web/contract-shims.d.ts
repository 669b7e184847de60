// src/contract/websites.ts imports node:url (domainToASCII), though the contract is meant to hold no
// Node imports. The SPA only imports types from the contract (nothing of it is bundled), but its type
// check still reads that file: this declares the one function, instead of Node's types for the browser.
declare module 'node:url' {
  export function domainToASCII(domain: string): string;
}
