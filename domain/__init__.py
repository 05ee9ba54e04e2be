"""Bounded contexts (BRIEF §4): one package and one PostgreSQL schema per seed service."""
