DROP TABLE pending_referrals;
