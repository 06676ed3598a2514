import type { PaymentStatus } from './status.js';

/** A payment as the repositories return it. */
export interface Payment {
  id: string;
  clientId: string;
  status: PaymentStatus;
  amount: string;
  senderAccount: string;
  receiverAccount: string;
  memo: string | null;
  confirmationId: string | null;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  submittedAt: Date | null;
  resolvedAt: Date | null;
  updatedAt: Date;
  lastSyncedAt: Date | null;
}

export interface PaymentEvent {
  id: number;
  fromStatus: PaymentStatus | null;
  toStatus: PaymentStatus;
  source: string;
  reason: string | null;
  /** The admin key's public id, for an operator's event. */
  actor: string | null;
  at: Date;
}

export interface NewPayment {
  id: string;
  clientId: string;
  amount: string;
  senderAccount: string;
  receiverAccount: string;
  memo: string | null;
}
